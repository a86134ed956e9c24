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

/**
 * The codes the kernel and the contracts raise. Scripts and plugins branch on them, so each is documented
 * (docs/plugins-api.md) and only ever added to. `E_ADAPTER_<KIND>` follows the adapter error's kind.
 */
export const kernelErrorCodes = [
  'E_USAGE',
  'E_CONFIG',
  'E_CONFIG_UNTRUSTED',
  'E_TRUST_STORE',
  'E_PLUGIN',
  'E_POLICY_BLOCKED',
  'E_CANCELLED',
  'E_REQUEST_FAILED',
  'E_NO_AVAILABLE_TOOL',
] as const;
export type KernelErrorCode = (typeof kernelErrorCodes)[number];
/**
 * Every error's code: one of the kernel's, an adapter error's (`E_ADAPTER_TIMEOUT`), or a plugin's own, which by
 * convention names its plugin (`E_TELEMETRY_OPEN`, `E_TASK_CONFLICT`).
 */
export type ErrorCode = KernelErrorCode | `E_ADAPTER_${string}` | `E_${string}`;

export interface LlmServiceErrorOptions {
  exitCode?: ExitCode;
  /** How to fix it, shown after the message. */
  hint?: string;
  cause?: unknown;
}

/**
 * Marks errors of every copy of the spec: a plugin installed beside a config may bring its own, whose classes are not
 * this copy's, so `instanceof` cannot be relied on (vercel/ai marks its errors the same way).
 */
const errorMarker = Symbol.for('llm-service.error');

/**
 * The one error base class, with a stable `code`, an exit code for the CLI and an optional hint. Recognise errors with
 * `LlmServiceError.isInstance` (or `isLlmServiceError`), never with `instanceof`.
 */
export class LlmServiceError extends Error {
  readonly [errorMarker] = true;
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: LlmServiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LlmServiceError';
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.requestFailed;
    this.hint = options.hint;
  }

  /** True for an error of this family from any copy of the spec. */
  static isInstance(error: unknown): error is LlmServiceError {
    return isLlmServiceError(error);
  }
}

/**
 * True for an error of this family from any copy of the spec: it carries the marker, or (errors made before the
 * marker existed, or by hand) a string `code`, a numeric `exitCode` and a message.
 */
export function isLlmServiceError(error: unknown): error is LlmServiceError {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as { [errorMarker]?: unknown })[errorMarker] === true) return true;
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
  constructor(code: ErrorCode, message: string, options: Omit<LlmServiceErrorOptions, 'exitCode'> = {}) {
    super(code, message, { ...options, exitCode: ExitCode.requestFailed });
    this.name = 'RequestFailedError';
  }
}

/** A policy refused the request: exit 3. */
export class PolicyBlockedError extends LlmServiceError {
  readonly hints: readonly string[];
  /** When the block lifts, when a policy said (plugin API 1.9): a plan window's reset. ISO 8601. */
  readonly resumeAt: string | undefined;
  constructor(message: string, hints: readonly string[] = [], resumeAt?: string) {
    super('E_POLICY_BLOCKED', message, { exitCode: ExitCode.blocked, hint: hints.join('; ') || undefined });
    this.name = 'PolicyBlockedError';
    this.hints = hints;
    this.resumeAt = resumeAt;
  }
}

/** The request was cancelled by SIGINT or SIGTERM (or an AbortSignal from a library caller). */
export class CancelledError extends LlmServiceError {
  constructor(message = 'cancelled', exitCode: ExitCode = ExitCode.interrupted) {
    super('E_CANCELLED', message, { exitCode });
    this.name = 'CancelledError';
  }
}

/** A plugin that cannot be loaded or registered: exit 2, since the fix is in the configuration or the install. */
export class PluginError extends LlmServiceError {
  readonly plugin: string;
  constructor(plugin: string, message: string, hint?: string, cause?: unknown) {
    super('E_PLUGIN', `plugin ${plugin}: ${message}`, { exitCode: ExitCode.usage, hint, cause });
    this.name = 'PluginError';
    this.plugin = plugin;
  }
}
