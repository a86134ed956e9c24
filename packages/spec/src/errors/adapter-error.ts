import type { Usage } from '../contracts/v1/adapter.js';
import { ExitCode, LlmServiceError } from './llm-service-error.js';

export const adapterErrorKinds = [
  'not-installed',
  'auth',
  'rate-limit',
  'overloaded',
  'timeout',
  'bad-output',
  'tool-error',
  'cancelled',
  /** A subscription's window or an account's quota is used up (plugin API 1.8): another tool may still have room. */
  'plan-limit',
  /** The prompt does not fit the model's context window (plugin API 1.8): another model may have a larger one. */
  'context-too-long',
] as const;
export type AdapterErrorKind = (typeof adapterErrorKinds)[number];

/** True for the kinds this spec knows. A newer adapter may raise a kind added later: readers must tolerate others. */
export function isKnownAdapterErrorKind(kind: string): kind is AdapterErrorKind {
  return (adapterErrorKinds as readonly string[]).includes(kind);
}

/**
 * What the kernel does with each kind unless an adapter says otherwise (DESIGN section 1), and how a failure of the
 * kind is said (`claude:claude-sonnet-4-5 rate-limited`). A kind this copy does not know falls back on another tool
 * without retrying: the safe choice for a failure nobody here can classify.
 */
interface KindBehaviour {
  retrySameTool: boolean;
  fallback: boolean;
  said: string;
}

const behaviourByKind: Record<AdapterErrorKind, KindBehaviour> = {
  'not-installed': { retrySameTool: false, fallback: true, said: 'unavailable (not installed)' },
  auth: { retrySameTool: false, fallback: true, said: 'unavailable (not logged in or invalid credentials)' },
  'rate-limit': { retrySameTool: true, fallback: true, said: 'rate-limited' },
  overloaded: { retrySameTool: true, fallback: true, said: 'overloaded' },
  timeout: { retrySameTool: false, fallback: true, said: 'timed out' },
  'bad-output': { retrySameTool: false, fallback: true, said: 'gave output that could not be read' },
  'tool-error': { retrySameTool: false, fallback: true, said: 'failed' },
  cancelled: { retrySameTool: false, fallback: false, said: 'cancelled' },
  'plan-limit': { retrySameTool: false, fallback: true, said: 'has used up its plan or quota' },
  'context-too-long': { retrySameTool: false, fallback: true, said: 'cannot take a prompt this long' },
};

/** How a failure of this kind is said after the tool and model: `rate-limited`, `timed out`, `failed (new-kind)`. */
export function describeAdapterFailure(kind: string): string {
  // A kind from a newer adapter than this copy knows is still said.
  return isKnownAdapterErrorKind(kind) ? behaviourByKind[kind].said : `failed (${kind})`;
}

export interface AdapterErrorOptions {
  retrySameTool?: boolean;
  fallback?: boolean;
  /** Tool output kept for diagnosis (stderr tail, first bytes of unexpected output). */
  detail?: string;
  exitCode?: number;
  cause?: unknown;
  /** What the tool reported spending before it failed (a paid turn, a budget cap reached): charged to the attempt. */
  usage?: Usage;
  reportedCostUsd?: number;
  /**
   * What the user can do about it (plugin API 1.3), for this tool and kind: log in, set a key, wait until a reset. The
   * kernel shows it when the request fails on this error.
   */
  hint?: string;
  /**
   * When the limit behind a `rate-limit` or `plan-limit` failure lifts (plugin API 1.8), as the tool said it: ISO 8601.
   * Absent when the tool did not say.
   */
  resetsAt?: string;
}

const unknownKindDefaults = { retrySameTool: false, fallback: true };

export class AdapterError extends LlmServiceError {
  readonly kind: AdapterErrorKind;
  readonly retrySameTool: boolean;
  readonly fallback: boolean;
  readonly detail: string | undefined;
  readonly toolExitCode: number | undefined;
  readonly usage: Usage | undefined;
  readonly reportedCostUsd: number | undefined;
  readonly resetsAt: string | undefined;

  constructor(kind: AdapterErrorKind, message: string, options: AdapterErrorOptions = {}) {
    super(`E_ADAPTER_${kind.toUpperCase().replaceAll('-', '_')}`, message, {
      exitCode: kind === 'cancelled' ? ExitCode.interrupted : ExitCode.requestFailed,
      cause: options.cause,
      hint: options.hint,
    });
    this.name = 'AdapterError';
    const defaults = isKnownAdapterErrorKind(kind) ? behaviourByKind[kind] : unknownKindDefaults;
    this.kind = kind;
    this.retrySameTool = options.retrySameTool ?? defaults.retrySameTool;
    this.fallback = options.fallback ?? defaults.fallback;
    this.detail = options.detail;
    this.toolExitCode = options.exitCode;
    this.usage = options.usage;
    this.reportedCostUsd = options.reportedCostUsd;
    this.resetsAt = options.resetsAt;
  }

  /** True for an adapter error from any copy of the spec, whatever its kind. */
  static override isInstance(error: unknown): error is AdapterError {
    return isAdapterError(error);
  }
}

export function isAdapterError(error: unknown): error is AdapterError {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { kind?: unknown; fallback?: unknown; code?: unknown };
  return (
    typeof candidate.code === 'string' &&
    candidate.code.startsWith('E_ADAPTER_') &&
    typeof candidate.fallback === 'boolean' &&
    // Any kind: an adapter built against a newer spec may raise one this copy does not know.
    typeof candidate.kind === 'string'
  );
}
