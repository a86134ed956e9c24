import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  // The binary is a distribution: bundling its dependencies saves module resolution on every start
  // (Node 20 has no compile cache), and commands are split into chunks loaded only when they run.
  noExternal: [/.*/],
  splitting: true,
  banner: {
    js: "import { createRequire as __llmServiceCreateRequire } from 'node:module'; const require = __llmServiceCreateRequire(import.meta.url);",
  },
  dts: { entry: { index: 'src/index.ts' }, compilerOptions: { composite: false, ignoreDeprecations: '6.0' } },
  clean: true,
  sourcemap: true,
});
