import { Observable, type AdapterEvent, type ToolAdapterV1 } from '@llm-service/core';
import { genericYamlAdapterId } from '../config/tool-schema.js';
import { detectTool } from './detect-tool.js';
import { runInvocation } from './run-invocation.js';

/** The adapter that runs any CLI described by its tools.yaml entry (argv template, prompt delivery, output paths). */
export function createGenericYamlAdapter(): ToolAdapterV1 {
  return {
    specificationVersion: 'v1',
    id: genericYamlAdapterId,
    detect: (tool, context) => detectTool(tool, context),
    invoke: (request, signal) =>
      new Observable<AdapterEvent>((subscriber) => {
        // One controller for both ways a run ends early: the caller's signal and unsubscribing.
        const controller = new AbortController();
        const forwardAbort = () => controller.abort(signal.reason);
        if (signal.aborted) controller.abort(signal.reason);
        else signal.addEventListener('abort', forwardAbort, { once: true });

        runInvocation(request, controller.signal, (text) => subscriber.next({ type: 'output', text })).then(
          (result) => {
            subscriber.next({ type: 'result', result });
            subscriber.complete();
          },
          (error: unknown) => subscriber.error(error),
        );

        return () => {
          signal.removeEventListener('abort', forwardAbort);
          // After completion this is a no-op; before it, it ends the tool's whole process group.
          controller.abort();
        };
      }),
  };
}
