import {
  AdapterError,
  type AdapterEvent,
  type InvocationResult,
  type ToolAdapterV1,
} from '@llm-service/spec';

/** What an attempt's caller hears of the tool while it runs. */
export interface InvocationListener {
  /** Answer text, as it comes. */
  onText(text: string): void;
  /** What the program said about its plan's windows. */
  onLimits(event: Extract<AdapterEvent, { type: 'limits' }>): void;
}
import type { Subscription } from 'rxjs';

/**
 * Runs one attempt on an adapter: its observable of output and result, as a promise of the result. Output and limits
 * go to the listener as they come; the signal stops the tool (the promise rejects with a `cancelled` AdapterError).
 */
export function invokeAdapter(
  adapter: ToolAdapterV1,
  request: Parameters<ToolAdapterV1['invoke']>[0],
  signal: AbortSignal,
  listener: InvocationListener,
): Promise<InvocationResult> {
  return new Promise((resolve, reject) => {
    // An aborted signal never fires 'abort' again: without this check the tool would start after a cancel.
    if (signal.aborted) return reject(new AdapterError('cancelled', 'cancelled'));
    let result: InvocationResult | undefined;
    let subscription: Subscription | undefined;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      subscription?.unsubscribe();
      outcome();
    };
    const onAbort = () => settle(() => reject(new AdapterError('cancelled', 'cancelled')));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      subscription = adapter.invoke(request, signal).subscribe({
        next: (event: AdapterEvent) => {
          try {
            if (event.type === 'output') {
              if (event.text.length > 0) listener.onText(event.text);
            } else if (event.type === 'result') {
              result = event.result;
            } else if (event.type === 'limits') {
              listener.onLimits(event);
            }
          } catch (error) {
            // The caller's listener threw (e.g. a closed stdout). rxjs would rethrow it asynchronously and kill the
            // process; instead the attempt fails, and unsubscribing stops the tool.
            const message = error instanceof Error ? error.message : String(error);
            settle(() =>
              reject(
                new AdapterError('tool-error', `the answer could not be delivered: ${message}`, {
                  fallback: false,
                  cause: error,
                }),
              ),
            );
          }
        },
        error: (error: unknown) => settle(() => reject(error)),
        complete: () =>
          settle(() => {
            if (result) resolve(result);
            else reject(new AdapterError('bad-output', `adapter '${adapter.id}' finished without a result`));
          }),
      });
      // Settled while subscribing (a synchronous observable), before `subscription` was assigned.
      if (settled) subscription.unsubscribe();
    } catch (error) {
      settle(() => reject(error));
    }
  });
}
