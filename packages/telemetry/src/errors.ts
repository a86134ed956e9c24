import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ExitCode, LlmServiceError, type LlmServiceErrorOptions } from '@llm-service/spec';

export const TelemetryErrorCode = {
  /** The database was written by a newer llm-service (its `user_version` is above what this one knows). */
  newerSchema: 'E_TELEMETRY_NEWER_SCHEMA',
  /** The database file could not be opened or created. */
  open: 'E_TELEMETRY_OPEN',
  /** better-sqlite3 could not be loaded (not installed, or built for another Node.js). */
  driver: 'E_TELEMETRY_DRIVER',
  /** A scope string the ledger does not understand. */
  scope: 'E_TELEMETRY_SCOPE',
  /** The database file is damaged (damaged pages or header): it has to be moved aside. */
  damaged: 'E_TELEMETRY_DAMAGED',
  /** Events a sink was handed could not be written; the kernel then keeps the attempt's cost held. */
  write: 'E_TELEMETRY_WRITE',
  /** The file system holding the database has no room left for a write. */
  diskFull: 'E_TELEMETRY_DISK_FULL',
  /** A plan window observation or hold that does not say what the contract asks, or a row of one read back. */
  invalid: 'E_TELEMETRY_INVALID',
} as const;
export type TelemetryErrorCode = (typeof TelemetryErrorCode)[keyof typeof TelemetryErrorCode];

/** Errors of the telemetry plugin; recognised by `code`, like every llm-service error. */
export class TelemetryError extends LlmServiceError {
  constructor(code: TelemetryErrorCode, message: string, options: LlmServiceErrorOptions = {}) {
    super(code, message, { exitCode: ExitCode.usage, ...options });
    this.name = 'TelemetryError';
  }
}

/** SQLite's codes for a file that is not a sound database. */
export function isDamage(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** The error for a damaged database: what it is, where, and what to do, instead of SQLite's words. */
export function damagedDatabaseError(path: string, cause: unknown): TelemetryError {
  return new TelemetryError(
    TelemetryErrorCode.damaged,
    `the telemetry database at ${path} is damaged; move it aside`,
    {
      cause,
      hint: `mv '${path}' '${path}.damaged' (a new database is created on the next run)`,
    },
  );
}

/** Below this much free space, an I/O error of SQLite's is taken for a full disk (it needs room for its WAL). */
const nearlyFullBytes = 1024 * 1024;

/**
 * Whether an error writing `path` means its disk is full. That shows up as ENOSPC, as SQLite's "database or disk is
 * full", or as its "disk I/O error" when the write-ahead log or shared memory could not grow: the last only counts
 * when the file system is (nearly) out of space, which is what the user can fix.
 */
export function isDiskFull(error: unknown, path: string | undefined): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOSPC' || code === 'SQLITE_FULL') return true;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_IOERR') || path === undefined) return false;
  try {
    const stats = statfsSync(dirname(path));
    return stats.bavail * stats.bsize < nearlyFullBytes;
  } catch {
    return false;
  }
}

/** The error for a database whose disk is full: what, where, and how to fix it, instead of SQLite's words. */
export function diskFullError(path: string, cause: unknown): TelemetryError {
  return new TelemetryError(
    TelemetryErrorCode.diskFull,
    `disk full: no space left on the file system of the telemetry database ${path}`,
    { cause, hint: 'free some space there, or point telemetry.db_path in llm-service.yaml at another disk' },
  );
}

/** Damage or a full disk said as such; any other error as it is. */
export function inUserWords(error: unknown, path: string): unknown {
  if (isDamage(error)) return damagedDatabaseError(path, error);
  if (isDiskFull(error, path)) return diskFullError(path, error);
  return error;
}

/**
 * A service over the database (the ledger, the query service) whose methods report damage and a full disk they run
 * into as such: a damaged page is only found when a statement reads it, and a full disk when one writes, anywhere in
 * those methods.
 */
export function reportingDamage<T extends object>(service: T, path: string): T {
  const translate = (error: unknown): never => {
    throw inUserWords(error, path);
  };
  return new Proxy(service, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        try {
          const result: unknown = value.apply(target, args);
          return result instanceof Promise ? result.catch(translate) : result;
        } catch (error) {
          return translate(error);
        }
      };
    },
  });
}
