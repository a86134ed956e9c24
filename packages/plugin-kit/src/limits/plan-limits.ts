import {
  Observable,
  type AdapterEvent,
  type InvocationRequest,
  type InvocationResult,
  type PlanWindowReading,
  type PlanWindowStatus,
  type ToolAdapterV1,
  type ToolConfig,
} from '@llm-service/spec';
import { toolAdapter, type ToolAdapterParts } from '../adapter/tool-adapter.js';
import { invocationObservable } from '../process/invocation-observable.js';

/** Hands on what a program said about its plan's windows: each call with readings becomes one `limits` event. */
export type ReportLimits = (windows: readonly PlanWindowReading[], account?: string) => void;

/** An adapter's parts whose run also reports plan windows as it reads them. */
export interface ToolAdapterPartsReportingLimits<TTool extends ToolConfig, TOptions> extends Omit<
  ToolAdapterParts<TTool, TOptions>,
  'run'
> {
  run(
    request: InvocationRequest<TTool, TOptions>,
    signal: AbortSignal,
    emit: (text: string) => void,
    reportLimits: ReportLimits,
  ): Promise<InvocationResult>;
}

/** One attempt of an adapter's tool that reports plan windows, as `toolAdapterReportingLimits` takes it. */
export type ToolRunReportingLimits<TTool extends ToolConfig, TOptions> = ToolAdapterPartsReportingLimits<
  TTool,
  TOptions
>['run'];

/**
 * `toolAdapter` for a tool that says where its plan's windows stand: besides answer text, the run reports readings,
 * which reach the kernel as `limits` events in the order they were read, before the attempt's result or failure (so a
 * `rejected` reading reported before a `plan-limit` failure is seen first).
 */
export function toolAdapterReportingLimits<TTool extends ToolConfig, TOptions = unknown>(
  parts: ToolAdapterPartsReportingLimits<TTool, TOptions>,
): ToolAdapterV1<TTool, TOptions> {
  const { run, ...rest } = parts;
  const base = toolAdapter<TTool, TOptions>({
    ...rest,
    run: (request, signal, emit) => run(request, signal, emit, () => {}),
  });
  return {
    ...base,
    invoke: (request, signal) =>
      new Observable<AdapterEvent>((subscriber) => {
        const reportLimits: ReportLimits = (windows, account) => {
          // Nothing said is not an observation; the kernel records every event it gets.
          if (windows.length === 0) return;
          subscriber.next({ type: 'limits', windows, ...(account === undefined ? {} : { account }) });
        };
        const inner = invocationObservable(signal, (runSignal, onText) =>
          run(request, runSignal, onText, reportLimits),
        ).subscribe(subscriber);
        return () => inner.unsubscribe();
      }),
  };
}

/**
 * An instant a program gave as a number since the epoch, as ISO 8601. Programs give seconds (Claude's `resetsAt`,
 * Codex's `resets_at`) or milliseconds; a value past 10^11 is read as milliseconds, since in seconds it would lie
 * thousands of years ahead. Undefined for what is not a usable instant.
 */
export function epochToIsoTime(value: number): string | undefined {
  if (!Number.isFinite(value) || value <= 0) return undefined;
  const milliseconds = value >= 1e11 ? value : value * 1000;
  const date = new Date(milliseconds);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * A provider's word for a window's standing as a reading's status: `allowed_warning` (Anthropic) is `warning`.
 * Undefined for a word this copy does not know, which the caller drops rather than guesses.
 */
export function planWindowStatus(word: string): PlanWindowStatus | undefined {
  switch (word) {
    case 'allowed':
      return 'allowed';
    case 'allowed_warning':
    case 'warning':
      return 'warning';
    case 'rejected':
      return 'rejected';
    default:
      return undefined;
  }
}
