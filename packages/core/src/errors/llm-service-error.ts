/**
 * Exit codes of the `llm-service` binary and of every error the kernel raises. Scripts depend on them, so they are
 * part of the public contract (DESIGN section 4).
 */
export const ExitCode = {
  success: 0,
  requestFailed: 1,
  usage: 2,
  blocked: 3,
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface LlmServiceErrorOptions {
  exitCode?: ExitCode;
  /** How to fix it, shown after the message. */
  hint?: string;
  cause?: unknown;
}

/**
 * The one error base class. Errors are recognised by their stable `code`, never by `instanceof`: a plugin may bring
 * its own copy of core, and its errors must still be understood.
 */
export class LlmServiceError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: LlmServiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LlmServiceError';
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.requestFailed;
    this.hint = options.hint;
  }
}

export function isLlmServiceError(error: unknown): error is LlmServiceError {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { code?: unknown; exitCode?: unknown; message?: unknown };
  return (
    typeof candidate.code === 'string' &&
    typeof candidate.exitCode === 'number' &&
    typeof candidate.message === 'string'
  );
}

/** A mistake in how the command or API was called: exit 2. */
export class UsageError extends LlmServiceError {
  constructor(message: string, options: Omit<LlmServiceErrorOptions, 'exitCode'> = {}) {
    super('E_USAGE', message, { ...options, exitCode: ExitCode.usage });
    this.name = 'UsageError';
  }
}

/** Every candidate of the route failed, or the one allowed candidate did. */
export class RequestFailedError extends LlmServiceError {
  constructor(code: string, message: string, options: Omit<LlmServiceErrorOptions, 'exitCode'> = {}) {
    super(code, message, { ...options, exitCode: ExitCode.requestFailed });
    this.name = 'RequestFailedError';
  }
}

/** A policy refused the request: exit 3. */
export class PolicyBlockedError extends LlmServiceError {
  readonly hints: readonly string[];
  constructor(message: string, hints: readonly string[] = []) {
    super('E_POLICY_BLOCKED', message, { exitCode: ExitCode.blocked, hint: hints.join('; ') || undefined });
    this.name = 'PolicyBlockedError';
    this.hints = hints;
  }
}

/** The request was cancelled by SIGINT or SIGTERM (or an AbortSignal from a library caller). */
export class CancelledError extends LlmServiceError {
  constructor(message = 'cancelled', exitCode: ExitCode = ExitCode.interrupted) {
    super('E_CANCELLED', message, { exitCode });
    this.name = 'CancelledError';
  }
}
