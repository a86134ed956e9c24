import type BetterSqlite3 from 'better-sqlite3';
import { provideSqliteDriver } from '@llm-service/telemetry';

/**
 * Hands telemetry better-sqlite3's JavaScript bundled into the binary, evaluated when telemetry first opens its
 * database (`require` here is esbuild's, resolved at build time). Loaded from node_modules instead, its files were
 * resolved and compiled on every `exec` while the tool started (about 4.5 ms of CPU beside it); bundled, they load
 * from the binary's code cache. The native module is the one installed with this package, whose version the bundled
 * JavaScript was built from.
 */
export function bundleSqliteDriver(): void {
  provideSqliteDriver(() => ({
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- bundled, and evaluated only when called
    Database: require('better-sqlite3') as typeof BetterSqlite3,
    packageJson: require.resolve('better-sqlite3/package.json'),
  }));
}
