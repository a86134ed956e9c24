import { Observable, type AdapterEvent, type InvocationResult } from '@llm-service/spec';

/**
 * Turns a promise-based run into the observable `ToolAdapterV1.invoke` returns: answer text as `output` events, then
 * one `result`. One AbortController covers both ways a run ends early (the caller's signal and unsubscribing), so
 * `run` only has to honour the signal it is given (e.g. by passing it to `runTool`, which ends the process group).
 */
export function invocationObservable(
  signal: AbortSignal,
  run: (signal: AbortSignal, onText: (text: string) => void) => Promise<InvocationResult>,
): Observable<AdapterEvent> {
  return new Observable<AdapterEvent>((subscriber) => {
    const controller = new AbortController();
    const forwardAbort = () => controller.abort(signal.reason);
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener('abort', forwardAbort, { once: true });

    run(controller.signal, (text) => subscriber.next({ type: 'output', text })).then(
      (result) => {
        subscriber.next({ type: 'result', result });
        subscriber.complete();
      },
      (error: unknown) => subscriber.error(error),
    );

    return () => {
      signal.removeEventListener('abort', forwardAbort);
      // After completion this is a no-op; before it, it ends the tool's run.
      controller.abort();
    };
  });
}
