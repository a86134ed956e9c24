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

/**
 * A service over the database (the ledger, the query service) whose methods report damage they run into as such: a
 * damaged page is only found when a statement reads it, anywhere in those methods.
 */
export function reportingDamage<T extends object>(service: T, path: string): T {
  const translate = (error: unknown): never => {
    throw isDamage(error) ? damagedDatabaseError(path, error) : error;
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
