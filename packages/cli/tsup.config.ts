import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';

// rxjs lists its CommonJS build under the `node` export condition, which esbuild always applies on Node:
// point it at the ES module build instead (about 350 KB less to compile on every start).
const requireFromCore = createRequire(new URL('../core/package.json', import.meta.url));
const rxjsEsm = join(dirname(requireFromCore.resolve('rxjs/package.json')), 'dist/esm/index.js');

export default defineConfig({
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  // The binary is a distribution: bundling its dependencies saves module resolution on every start
  // (Node 20 has no compile cache), and commands are split into chunks loaded only when they run.
  noExternal: [/.*/],
  splitting: true,
  esbuildOptions(options) {
    // Prefer ES modules over CommonJS builds (tsyringe, rxjs), so unused code is shaken out of the bundle.
    options.mainFields = ['module', 'main'];
    options.alias = { rxjs: rxjsEsm };
  },
  banner: {
    js: "import { createRequire as __llmServiceCreateRequire } from 'node:module'; const require = __llmServiceCreateRequire(import.meta.url);",
  },
  dts: { entry: { index: 'src/index.ts' }, compilerOptions: { composite: false, ignoreDeprecations: '6.0' } },
  clean: true,
  sourcemap: true,
});
