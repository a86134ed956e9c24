import {
  Observable,
  type AdapterEvent,
  type InvocationResult,
  type PlanWindowReading,
} from '@llm-service/spec';

/** Hands on what a program said about its plan's windows: each call with readings becomes one `limits` event. */
export type ReportLimits = (windows: readonly PlanWindowReading[], account?: string) => void;

/**
 * Turns a promise-based run into the observable `ToolAdapterV1.invoke` returns: answer text as `output` events and
 * plan-window readings as `limits` events, in the order the run reports them, then one `result` (so a `rejected`
 * reading reported before a `plan-limit` failure is seen first). One AbortController covers both ways a run ends early (the caller's signal and unsubscribing), so
 * `run` only has to honour the signal it is given (e.g. by passing it to `runTool`, which ends the process group).
 */
export function invocationObservable(
  signal: AbortSignal,
  run: (
    signal: AbortSignal,
    onText: (text: string) => void,
    reportLimits: ReportLimits,
  ) => Promise<InvocationResult>,
): Observable<AdapterEvent> {
  return new Observable<AdapterEvent>((subscriber) => {
    const controller = new AbortController();
    const forwardAbort = () => controller.abort(signal.reason);
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener('abort', forwardAbort, { once: true });

    const reportLimits: ReportLimits = (windows, account) => {
      // Nothing said is not an observation; the kernel records every event it gets.
      if (windows.length === 0) return;
      subscriber.next({ type: 'limits', windows, ...(account === undefined ? {} : { account }) });
    };
    let ended = false;
    run(controller.signal, (text) => subscriber.next({ type: 'output', text }), reportLimits).then(
      (result) => {
        ended = true;
        subscriber.next({ type: 'result', result });
        subscriber.complete();
      },
      (error: unknown) => {
        ended = true;
        subscriber.error(error);
      },
    );

    return () => {
      signal.removeEventListener('abort', forwardAbort);
      // Before the run ended, this ends the tool's run. After it, aborting would change nothing but cost an abort
      // event and its DOMException on the path from the tool's exit to the answer being recorded.
      if (!ended) controller.abort();
    };
  });
}
