import { ExitCode, LlmServiceError, type LlmServiceErrorOptions } from '@llm-service/spec';

export const PostgresStoreErrorCode = {
  /** The server could not be reached or refused the login: telemetry fails closed on it. */
  connect: 'E_STORE_POSTGRES_CONNECT',
  /** The database's schema is newer than this release knows. */
  newerSchema: 'E_STORE_POSTGRES_NEWER_SCHEMA',
  /** `telemetry.url` is not a PostgreSQL URL. */
  url: 'E_STORE_POSTGRES_URL',
  /** A row or write that does not say what the contract asks. */
  invalid: 'E_STORE_POSTGRES_INVALID',
  /** The database role may not act for the configured project (row-level security). */
  forbidden: 'E_STORE_POSTGRES_FORBIDDEN',
  /** A query failed for another reason (a constraint, a lost connection mid-transaction). */
  query: 'E_STORE_POSTGRES_QUERY',
} as const;
export type PostgresStoreErrorCode = (typeof PostgresStoreErrorCode)[keyof typeof PostgresStoreErrorCode];

/** Every error of the PostgreSQL store; its message names the database by its password-free location. */
export class PostgresStoreError extends LlmServiceError {
  constructor(code: PostgresStoreErrorCode, message: string, options: LlmServiceErrorOptions = {}) {
    super(code, message, { exitCode: ExitCode.usage, ...options });
    this.name = 'PostgresStoreError';
  }
}

/** node-postgres's connection failures: errno codes of the socket, and the server's refusals of a login. */
const connectionErrnos = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EPIPE',
]);
/** SQLSTATE classes 08 (connection exception), 28 (invalid authorization), 3D000 (no such database), 57P0x (shutdown). */
export function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') {
    const message = error instanceof Error ? error.message : '';
    return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
      message,
    );
  }
  return (
    connectionErrnos.has(code) ||
    code.startsWith('08') ||
    code.startsWith('28') ||
    code === '3D000' ||
    code.startsWith('57P0')
  );
}
