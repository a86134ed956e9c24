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
] as const;
export type AdapterErrorKind = (typeof adapterErrorKinds)[number];

/** True for the kinds this spec knows. A newer adapter may raise a kind added later: readers must tolerate others. */
export function isKnownAdapterErrorKind(kind: string): kind is AdapterErrorKind {
  return (adapterErrorKinds as readonly string[]).includes(kind);
}

/**
 * What the kernel does with each kind unless an adapter says otherwise (DESIGN section 1). A kind this copy does not
 * know falls back on another tool without retrying: the safe choice for a failure nobody here can classify.
 */
const defaultsByKind: Record<AdapterErrorKind, { retrySameTool: boolean; fallback: boolean }> = {
  'not-installed': { retrySameTool: false, fallback: true },
  auth: { retrySameTool: false, fallback: true },
  'rate-limit': { retrySameTool: true, fallback: true },
  overloaded: { retrySameTool: true, fallback: true },
  timeout: { retrySameTool: false, fallback: true },
  'bad-output': { retrySameTool: false, fallback: true },
  'tool-error': { retrySameTool: false, fallback: true },
  cancelled: { retrySameTool: false, fallback: false },
};

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

  constructor(kind: AdapterErrorKind, message: string, options: AdapterErrorOptions = {}) {
    super(`E_ADAPTER_${kind.toUpperCase().replaceAll('-', '_')}`, message, {
      exitCode: kind === 'cancelled' ? ExitCode.interrupted : ExitCode.requestFailed,
      cause: options.cause,
      hint: options.hint,
    });
    this.name = 'AdapterError';
    const defaults = defaultsByKind[kind] ?? unknownKindDefaults;
    this.kind = kind;
    this.retrySameTool = options.retrySameTool ?? defaults.retrySameTool;
    this.fallback = options.fallback ?? defaults.fallback;
    this.detail = options.detail;
    this.toolExitCode = options.exitCode;
    this.usage = options.usage;
    this.reportedCostUsd = options.reportedCostUsd;
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
