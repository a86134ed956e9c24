import { typedSseEvent } from '../http-test-server/sse.js';
import type { CodexRateLimits } from './rate-limit-headers.js';
import type { ResponsesUsage } from './replies.js';

export function responseCreated(responseId: string, model: string): string {
  return typedSseEvent({
    type: 'response.created',
    response: { id: responseId, object: 'response', status: 'in_progress', model, output: [] },
  });
}

/** The events of one assistant message: the item opened, its text in deltas, the item done with the whole text. */
export function messageEvents(itemId: string, outputIndex: number, chunks: readonly string[]) {
  return {
    opening: [
      typedSseEvent({
        type: 'response.output_item.added',
        output_index: outputIndex,
        item: { type: 'message', id: itemId, role: 'assistant', status: 'in_progress', content: [] },
      }),
      typedSseEvent({
        type: 'response.content_part.added',
        item_id: itemId,
        output_index: outputIndex,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      }),
    ],
    deltas: chunks.map((delta) =>
      typedSseEvent({
        type: 'response.output_text.delta',
        item_id: itemId,
        output_index: outputIndex,
        content_index: 0,
        delta,
      }),
    ),
    closing: [
      typedSseEvent({
        type: 'response.output_item.done',
        output_index: outputIndex,
        item: {
          type: 'message',
          id: itemId,
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: chunks.join(''), annotations: [] }],
        },
      }),
    ],
  };
}

/** The final event, with usage as the service reports it: cached tokens inside input, reasoning inside output. */
export function responseCompleted(responseId: string, model: string, usage: ResponsesUsage): string {
  return typedSseEvent({
    type: 'response.completed',
    response: {
      id: responseId,
      object: 'response',
      status: 'completed',
      model,
      output: [],
      usage: {
        input_tokens: usage.input_tokens,
        input_tokens_details: { cached_tokens: usage.cached_tokens },
        output_tokens: usage.output_tokens,
        output_tokens_details: { reasoning_tokens: usage.reasoning_tokens },
        total_tokens: usage.input_tokens + usage.output_tokens,
      },
    },
  });
}

export function responseFailed(
  responseId: string,
  model: string,
  error: { code: string; message: string },
): string {
  return typedSseEvent({
    type: 'response.failed',
    response: { id: responseId, object: 'response', status: 'failed', model, output: [], error },
  });
}

/** `codex.rate_limits`: the backend's rate-limit snapshot inside the stream (windows as codex reads them). */
export function rateLimitsEvent(limits: CodexRateLimits): string {
  const window = (entry: CodexRateLimits['primary']) =>
    entry && {
      used_percent: entry.usedPercent,
      window_minutes: entry.windowMinutes ?? null,
      reset_at: entry.resetsAt === undefined ? null : Math.floor(entry.resetsAt.getTime() / 1000),
    };
  return typedSseEvent({
    type: 'codex.rate_limits',
    rate_limits: { primary: window(limits.primary) ?? null, secondary: window(limits.secondary) ?? null },
    ...(limits.limitName === undefined ? {} : { limit_name: limits.limitName }),
  });
}
