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

/** What the kernel does with each kind unless an adapter says otherwise (DESIGN section 1). */
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
}

export class AdapterError extends LlmServiceError {
  readonly kind: AdapterErrorKind;
  readonly retrySameTool: boolean;
  readonly fallback: boolean;
  readonly detail: string | undefined;
  readonly toolExitCode: number | undefined;

  constructor(kind: AdapterErrorKind, message: string, options: AdapterErrorOptions = {}) {
    super(`E_ADAPTER_${kind.toUpperCase().replace('-', '_')}`, message, {
      exitCode: kind === 'cancelled' ? ExitCode.interrupted : ExitCode.requestFailed,
      cause: options.cause,
    });
    this.name = 'AdapterError';
    const defaults = defaultsByKind[kind];
    this.kind = kind;
    this.retrySameTool = options.retrySameTool ?? defaults.retrySameTool;
    this.fallback = options.fallback ?? defaults.fallback;
    this.detail = options.detail;
    this.toolExitCode = options.exitCode;
  }
}

export function isAdapterError(error: unknown): error is AdapterError {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { kind?: unknown; fallback?: unknown; code?: unknown };
  return (
    typeof candidate.code === 'string' &&
    candidate.code.startsWith('E_ADAPTER_') &&
    typeof candidate.fallback === 'boolean' &&
    adapterErrorKinds.includes(candidate.kind as AdapterErrorKind)
  );
}
