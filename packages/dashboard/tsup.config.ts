import { defineConfig } from 'tsup';

const dts = { compilerOptions: { composite: false, ignoreDeprecations: '6.0' } };

export default defineConfig([
  {
    // The plugin (tiny, loaded by every CLI start) and the server (loaded by `dashboard` only).
    entry: { index: 'src/index.ts', server: 'src/server/index.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    // The plugin imports the server by package name; keep it a separate file, never inlined.
    external: ['@llm-service/dashboard/server'],
    dts,
    sourcemap: true,
  },
  {
    // The page: one script and its static files, shipped in the package so nothing loads from a CDN.
    entry: { app: 'src/web/app.ts' },
    outDir: 'dist/web',
    format: ['iife'],
    outExtension: () => ({ js: '.js' }),
    platform: 'browser',
    target: 'es2022',
    publicDir: 'src/web/public',
    minify: true,
    sourcemap: true,
  },
]);
