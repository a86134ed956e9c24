import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { TelemetryError, TelemetryErrorCode } from '../errors.js';

export type Database = BetterSqlite3.Database;
export type Statement<P extends unknown[] | object = unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;
type DatabaseConstructor = typeof BetterSqlite3;

export interface Driver {
  Database: DatabaseConstructor;
  /**
   * The native module's path when it is where better-sqlite3's own build puts it: given to the constructor, it
   * spares the `bindings` package's search of a dozen candidate paths on every start.
   */
  nativeBinding: string | undefined;
}

let loaded: Driver | undefined;
let provided: (() => Driver) | undefined;

/**
 * For a distribution that bundles better-sqlite3's JavaScript: `load` (called on first use, as the search below would
 * be) returns the bundled module and its native module's path. Bundled, its files load from the distribution's code
 * cache instead of being resolved and compiled on every start.
 */
export function provideSqliteDriver(load: () => Driver): void {
  provided = load;
  loaded = undefined;
}

/**
 * Loads better-sqlite3 on first use, so importing the plugin (for `--help`, or a command that records nothing)
 * never loads the native module. It is resolved from the installed `@llm-service/telemetry` first, which is where a
 * distribution that bundled this code (and does not list better-sqlite3 itself) finds it, then from this module.
 */
export function loadDriver(): Driver {
  if (loaded) return loaded;
  if (provided) return (loaded = provided());
  const moduleName = 'better-sqlite3';
  const attempts: string[] = [];
  const bases: string[] = [];
  try {
    bases.push(createRequire(import.meta.url).resolve('@llm-service/telemetry/package.json'));
  } catch {
    // Not installed beside a distribution: this module's own resolution is the one.
  }
  bases.push(import.meta.url);
  for (const base of bases) {
    try {
      const require = createRequire(base);
      const Database = require(moduleName) as DatabaseConstructor;
      const binding = join(
        dirname(require.resolve(`${moduleName}/package.json`)),
        'build/Release/better_sqlite3.node',
      );
      loaded = { Database, nativeBinding: existsSync(binding) ? binding : undefined };
      return loaded;
    } catch (error) {
      attempts.push(error instanceof Error ? error.message.split('\n', 1)[0]! : String(error));
    }
  }
  throw new TelemetryError(TelemetryErrorCode.driver, `cannot load better-sqlite3: ${attempts.join('; ')}`, {
    hint: 'reinstall @llm-service/telemetry so its native SQLite module is built for this Node.js',
  });
}
