import { LlmServiceError, type LlmServiceErrorOptions } from '@llm-service/core';

export const TelemetryErrorCode = {
  /** The database was written by a newer llm-service (its `user_version` is above what this one knows). */
  newerSchema: 'E_TELEMETRY_NEWER_SCHEMA',
  /** The database file could not be opened or created. */
  open: 'E_TELEMETRY_OPEN',
  /** better-sqlite3 could not be loaded (not installed, or built for another Node.js). */
  driver: 'E_TELEMETRY_DRIVER',
  /** A scope string the ledger does not understand. */
  scope: 'E_TELEMETRY_SCOPE',
} as const;

/** Errors of the telemetry plugin; recognised by `code`, like every llm-service error. */
export class TelemetryError extends LlmServiceError {
  constructor(code: string, message: string, options: LlmServiceErrorOptions = {}) {
    super(code, message, { exitCode: 2, ...options });
    this.name = 'TelemetryError';
  }
}
