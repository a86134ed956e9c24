import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { TelemetryError, TelemetryErrorCode } from '../errors.js';

export type Database = BetterSqlite3.Database;
export type Statement<P extends unknown[] | object = unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;
type DatabaseConstructor = typeof BetterSqlite3;

let loaded: DatabaseConstructor | undefined;

/**
 * Loads better-sqlite3 on first use, so importing the plugin (for `--help`, or a command that records nothing)
 * never loads the native module. It is resolved from this package first and, when this code was bundled into a
 * distribution (whose own directory does not list better-sqlite3), from the installed `@llm-service/telemetry`.
 */
export function loadDriver(): DatabaseConstructor {
  if (loaded) return loaded;
  const moduleName = 'better-sqlite3';
  const attempts: string[] = [];
  const bases = [import.meta.url];
  try {
    bases.push(createRequire(import.meta.url).resolve('@llm-service/telemetry/package.json'));
  } catch {
    // Not bundled, or the package is not installed beside the distribution: the first base is the one.
  }
  for (const base of bases) {
    try {
      loaded = createRequire(base)(moduleName) as DatabaseConstructor;
      return loaded;
    } catch (error) {
      attempts.push(error instanceof Error ? error.message.split('\n', 1)[0]! : String(error));
    }
  }
  throw new TelemetryError(TelemetryErrorCode.driver, `cannot load better-sqlite3: ${attempts.join('; ')}`, {
    hint: 'reinstall @llm-service/telemetry so its native SQLite module is built for this Node.js',
  });
}
