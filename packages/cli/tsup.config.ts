import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Options } from 'tsup';

// rxjs lists its CommonJS build under the `node` export condition, which esbuild always applies on Node:
// point it at the ES module build instead, so unused operators are shaken out.
const requireFromCore = createRequire(new URL('../core/package.json', import.meta.url));
const rxjsEsm = join(dirname(requireFromCore.resolve('rxjs/package.json')), 'dist/esm/index.js');

/**
 * Packages only rare commands and terminal sessions use (the init wizard, spinner, tables, JSON Schema output): kept out
 * of the bundle every start reads, and loaded from node_modules when one of them runs.
 */
const lazyPackages = ['ora', '@clack/prompts', 'cli-table3', 'zod/v4/core'];

/**
 * Parts of plugins that load from their installed package when a command needs them: the dashboard's server (its
 * HTTP and watching libraries, and the page's assets it serves from beside itself).
 */
const pluginEntries = ['@llm-service/dashboard/server'];

const bundleEverything: Options = {
  target: 'node20',
  platform: 'node',
  // The binary is a distribution: bundling its dependencies saves module resolution on every start.
  noExternal: [/.*/],
  esbuildOptions(options) {
    // Prefer ES module builds (tsyringe, rxjs), so unused code is shaken out of the bundle.
    options.mainFields = ['module', 'main'];
    options.alias = { rxjs: rxjsEsm };
    // The tokenizer's rank tables (2.3 MB) load only when a budget needs an estimate: kept out of the bundle, which
    // every start reads, and required from node_modules on first use instead.
    options.external = [
      ...(options.external ?? []),
      'js-tiktoken',
      'js-tiktoken/*',
      ...lazyPackages,
      ...pluginEntries,
    ];
  },
  sourcemap: true,
};

export default defineConfig([
  {
    // The library entry (createDefaultKernel; main and loadProgram, which load the CLI when called): ES modules, as
    // .mjs and .d.mts since the package is CommonJS for the binary's sake.
    ...bundleEverything,
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    banner: {
      js: "import { createRequire as __llmServiceCreateRequire } from 'node:module'; const require = __llmServiceCreateRequire(import.meta.url);",
    },
    dts: {
      entry: { index: 'src/index.ts' },
      compilerOptions: { composite: false, ignoreDeprecations: '6.0' },
    },
  },
  {
    // What the binary runs: one CommonJS file, so bin.js can load it through a V8 code cache (see compile-cache.ts).
    ...bundleEverything,
    entry: { main: 'src/main.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    shims: true,
    // Half the bytes to read and hash at every start (1.6 MB → 0.7 MB): about 30 ms less per `exec`, measured
    // interleaved against the unminified bundle. Stack traces map back through the source map.
    minify: true,
  },
  {
    // The tiny binary entry: answers --version itself and loads main.cjs otherwise. CommonJS (the package's `type`),
    // so that Node starts it without its ES module loader: about 4 ms less for every command, `--version` included,
    // measured interleaved against the ES module build of the same file. It holds what an `exec` runs before the
    // bundle loads, to start the predicted tool (prestart/start-predicted-tool.ts, required lazily): the plugin kit's
    // modules one by one there, not its one-file build, so that only the two it needs are bundled.
    ...bundleEverything,
    entry: { bin: 'src/bin.ts' },
    format: ['cjs'],
    esbuildOptions(options) {
      bundleEverything.esbuildOptions?.(options, { format: 'cjs' });
      options.conditions = ['@llm-service/source'];
    },
  },
]);
