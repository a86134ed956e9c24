import { Observable, type AdapterEvent, type ToolAdapterV1 } from '@llm-service/core';
import { CLAUDE_ADAPTER_ID } from '../config/claude-schema.js';
import { detectClaude } from './detect-claude.js';
import { runInvocation } from './run-invocation.js';

/** The adapter that runs the Claude Code CLI (`claude -p`), streaming its answer and reading its own cost report. */
export function createClaudeAdapter(): ToolAdapterV1 {
  return {
    specificationVersion: 'v1',
    id: CLAUDE_ADAPTER_ID,
    detect: (tool, context) => detectClaude(CLAUDE_ADAPTER_ID, tool, context),
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
          // After completion this is a no-op; before it, it ends claude's whole process group.
          controller.abort();
        };
      }),
  };
}
