import {
  Observable,
  emptyUsage,
  type AdapterEvent,
  type DetectResult,
  type InvocationRequest,
  type InvocationResult,
  type ToolAdapterV1,
  type Usage,
  type ToolConfig,
  AdapterError,
  type AdapterErrorKind,
  type AdapterErrorOptions,
} from '@llm-service/spec';

/** A piece of answer text; with `delayMs` it arrives that long after the previous one (to test timing and cancels). */
export type ScriptedChunk = string | { text: string; delayMs: number };

/** The call answers: its chunks stream as `output` events, then one `result` event completes the call. */
export interface AnswerStep {
  answer: string | readonly ScriptedChunk[];
  usage?: Partial<Usage>;
  /** `false`: the tool reports no usage (plain-text output), so the kernel estimates it. */
  usageReported?: boolean;
  reportedCostUsd?: number;
  sessionId?: string;
  turns?: number;
  /** The model the tool reports; defaults to the requested one. */
  model?: string;
  exitCode?: number;
}

/** The call fails with an `AdapterError` of `fail`'s kind, optionally after streaming some output. */
export interface FailStep {
  fail: AdapterErrorKind;
  message?: string;
  /** Streamed before the failure: proves that no fallback happens once an answer has started. */
  output?: readonly ScriptedChunk[];
  /** Overrides of the kind's defaults (`fallback`, `retrySameTool`, `exitCode`, `detail`). */
  error?: AdapterErrorOptions;
}

/** The call streams `output`, then never ends on its own: only an abort (error `cancelled`) or an unsubscribe does. */
export interface HangStep {
  hang: true;
  output?: readonly ScriptedChunk[];
}

export type ScriptStep = AnswerStep | FailStep | HangStep;

/**
 * Steps by call: the n-th invocation follows the n-th step, and calls past the end repeat the last step (so
 * `[{ fail: 'not-installed' }]` is an adapter that is never installed). A function chooses per request instead.
 */
export type Script = readonly ScriptStep[] | ((request: InvocationRequest, call: number) => ScriptStep);

/** One invocation as the adapter saw it. */
export interface ScriptedCall {
  /** The request, with its own copy of the prompt bytes, so later mutation by anyone cannot change the record. */
  request: InvocationRequest;
  signal: AbortSignal;
  /** Whether the signal was aborted while this call ran (or before it started). */
  aborted: boolean;
  /** Whether the consumer unsubscribed before the script finished (which, for a real adapter, stops the tool). */
  unsubscribed: boolean;
}

export interface ScriptedAdapterOptions {
  /** What `detect()` answers; defaults to an installed tool. */
  detect?: DetectResult | ((tool: ToolConfig) => DetectResult | Promise<DetectResult>);
}

export interface ScriptedAdapter extends ToolAdapterV1 {
  /** Every invocation, in order. */
  readonly calls: readonly ScriptedCall[];
}

function toChunks(
  chunks: string | readonly ScriptedChunk[] | undefined,
): { text: string; delayMs: number }[] {
  if (chunks === undefined) return [];
  const list = typeof chunks === 'string' ? [chunks] : chunks;
  return list.map((chunk) => (typeof chunk === 'string' ? { text: chunk, delayMs: 0 } : chunk));
}

function stepFor(script: Script, request: InvocationRequest, call: number): ScriptStep {
  if (typeof script === 'function') return script(request, call);
  const step = script[Math.min(call, script.length - 1)];
  if (!step) throw new Error('a scripted adapter needs at least one step');
  return step;
}

/**
 * An in-memory `ToolAdapterV1` that follows a script instead of running a process, so kernel behaviour (fallback,
 * retries, streaming, cancellation, costs) can be tested without any CLI installed. Output is always delivered
 * asynchronously, as a real tool's would be.
 */
export function createScriptedAdapter(
  id: string,
  script: Script,
  options: ScriptedAdapterOptions = {},
): ScriptedAdapter {
  const calls: ScriptedCall[] = [];
  return {
    specificationVersion: 'v1',
    id,
    calls,
    async detect(tool) {
      const detect = options.detect ?? { installed: true };
      return typeof detect === 'function' ? detect(tool) : detect;
    },
    invoke(request, signal) {
      const call: ScriptedCall = {
        request: { ...request, prompt: request.prompt.slice() },
        signal,
        aborted: signal.aborted,
        unsubscribed: false,
      };
      const step = stepFor(script, request, calls.length);
      calls.push(call);
      return new Observable<AdapterEvent>((subscriber) => {
        const startedAt = performance.now();
        let timer: ReturnType<typeof setTimeout> | undefined;
        let finished = false;
        const end = (last: () => void) => {
          finished = true;
          last();
        };
        const onAbort = () => {
          call.aborted = true;
          end(() => subscriber.error(new AdapterError('cancelled', `${id} was cancelled`)));
        };
        const chunks = toChunks('answer' in step ? step.answer : step.output);
        let index = 0;
        const outcome = () => {
          if ('hang' in step) return; // waits for an abort or an unsubscribe
          if ('fail' in step) {
            const message = step.message ?? `${id}: scripted ${step.fail}`;
            end(() => subscriber.error(new AdapterError(step.fail, message, step.error)));
            return;
          }
          const result: InvocationResult = {
            text: chunks.map((chunk) => chunk.text).join(''),
            usage: { ...emptyUsage, ...step.usage },
            model: step.model ?? request.model,
            exitCode: step.exitCode ?? 0,
            durationMs: Math.round(performance.now() - startedAt),
            ...(step.usageReported === undefined ? {} : { usageReported: step.usageReported }),
            ...(step.reportedCostUsd === undefined ? {} : { reportedCostUsd: step.reportedCostUsd }),
            ...(step.sessionId === undefined ? {} : { sessionId: step.sessionId }),
            ...(step.turns === undefined ? {} : { turns: step.turns }),
          };
          end(() => {
            subscriber.next({ type: 'result', result });
            subscriber.complete();
          });
        };
        const advance = () => {
          timer = undefined;
          const chunk = chunks[index++];
          if (!chunk) return outcome();
          subscriber.next({ type: 'output', text: chunk.text });
          if (!subscriber.closed) timer = setTimeout(advance, chunks[index]?.delayMs ?? 0);
        };

        if (signal.aborted) {
          onAbort();
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
        timer = setTimeout(advance, chunks[0]?.delayMs ?? 0);
        return () => {
          if (timer) clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          // A consumer that reacts to the abort first (the kernel does) unsubscribes before our listener runs.
          if (signal.aborted) call.aborted = true;
          if (!finished) call.unsubscribed = true;
        };
      });
    },
  };
}
