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

/** What a distribution that bundles better-sqlite3's JavaScript hands over: the module, and its installed package.json. */
export interface BundledSqliteDriver {
  Database: DatabaseConstructor;
  packageJson: string;
}

let loaded: Driver | undefined;
let provided: (() => BundledSqliteDriver) | undefined;

/**
 * For a distribution that bundles better-sqlite3's JavaScript: `load` is called on first use, as the search below
 * would be. Bundled, its files load from the distribution's code cache instead of being resolved and compiled on
 * every start; the native module is the one installed beside that package.json.
 */
export function provideSqliteDriver(load: () => BundledSqliteDriver): void {
  provided = load;
  loaded = undefined;
}

function driverOf(Database: DatabaseConstructor, packageJson: string): Driver {
  const binding = join(dirname(packageJson), 'build/Release/better_sqlite3.node');
  return { Database, nativeBinding: existsSync(binding) ? binding : undefined };
}

/**
 * Loads better-sqlite3 on first use, so importing the plugin (for `--help`, or a command that records nothing)
 * never loads the native module. It is resolved from the installed `@llm-service/telemetry` first, which is where a
 * distribution that bundled this code (and does not list better-sqlite3 itself) finds it, then from this module.
 */
export function loadDriver(): Driver {
  if (loaded) return loaded;
  if (provided) {
    const { Database, packageJson } = provided();
    return (loaded = driverOf(Database, packageJson));
  }
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
      return (loaded = driverOf(Database, require.resolve(`${moduleName}/package.json`)));
    } catch (error) {
      attempts.push(error instanceof Error ? error.message.split('\n', 1)[0]! : String(error));
    }
  }
  throw new TelemetryError(TelemetryErrorCode.driver, `cannot load better-sqlite3: ${attempts.join('; ')}`, {
    hint: 'reinstall @llm-service/telemetry so its native SQLite module is built for this Node.js',
  });
}
