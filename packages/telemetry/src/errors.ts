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
