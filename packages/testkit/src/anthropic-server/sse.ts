import { typedSseEvent } from '../http-test-server/sse.js';
import type { MessageUsage } from './replies.js';

/** The message, with input-side usage: what a stream opens with. */
export function messageStart(messageId: string, model: string, usage: MessageUsage): string {
  return typedSseEvent({
    type: 'message_start',
    message: {
      id: messageId,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // As the real API does: input-side counts up front, output counted so far (1), final output at the end.
      usage: {
        input_tokens: usage.input_tokens,
        cache_creation_input_tokens: usage.cache_creation_input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens,
        output_tokens: 1,
      },
    },
  });
}

/** The events before the first text delta: the message and an empty text block. */
export function answerPrelude(messageId: string, model: string, usage: MessageUsage): string[] {
  return [
    messageStart(messageId, model, usage),
    typedSseEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    typedSseEvent({ type: 'ping' }),
  ];
}

export function textDelta(text: string): string {
  return typedSseEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
}

export interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** Closes the text block, adds a tool call when there is one (as a second block), and ends the message. */
export function answerEpilogue(usage: MessageUsage, toolUse?: ToolCall): string[] {
  const toolEvents = toolUse
    ? [
        typedSseEvent({
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'tool_use', id: toolUse.id, name: toolUse.name, input: {} },
        }),
        typedSseEvent({
          type: 'content_block_delta',
          index: 1,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(toolUse.input) },
        }),
        typedSseEvent({ type: 'content_block_stop', index: 1 }),
      ]
    : [];
  return [
    typedSseEvent({ type: 'content_block_stop', index: 0 }),
    ...toolEvents,
    typedSseEvent({
      type: 'message_delta',
      delta: { stop_reason: toolUse ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    }),
    typedSseEvent({ type: 'message_stop' }),
  ];
}
