import { describe, expect, it } from 'vitest';
import { ChatStreamReader, UnreadableEventError } from './chat-stream-reader.js';

const chunk = (content: string | null, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    model: 'qwen2.5:7b',
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
    ...extra,
  })}\n\n`;

const usage = `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 2 } })}\n\n`;

/** Reads `text` fed in pieces of `size` bytes, the way a socket may cut it. */
function read(text: string, size = Number.MAX_SAFE_INTEGER) {
  const emitted: string[] = [];
  const reader = new ChatStreamReader((piece) => emitted.push(piece));
  const bytes = Buffer.from(text);
  for (let start = 0; start < bytes.length; start += size) reader.push(bytes.subarray(start, start + size));
  reader.end();
  return { state: reader.state, emitted };
}

describe('ChatStreamReader', () => {
  const whole =
    chunk('', null) + chunk('Grüße ') + chunk('✓ done') + chunk(null, 'stop') + usage + 'data: [DONE]\n\n';

  it.each([1, 2, 3, 7, 64, 100_000])('reads the same stream cut into %i-byte pieces', (size) => {
    const { state, emitted } = read(whole, size);
    expect(emitted).toEqual(['Grüße ', '✓ done']);
    expect(state).toMatchObject({
      text: 'Grüße ✓ done',
      model: 'qwen2.5:7b',
      finishReason: 'stop',
      done: true,
      usage: { prompt_tokens: 5, completion_tokens: 2 },
      error: undefined,
    });
  });

  it('takes CRLF framing, comments, event names and data split over several lines', () => {
    const text =
      ': OPENROUTER PROCESSING\r\n\r\n' +
      'event: message\r\ndata: {"choices":[{"delta":\r\ndata: {"content":"a"}}]}\r\n\r\n' +
      'data:{"choices":[{"delta":{"content":"b"},"finish_reason":"stop"}]}\n\n' +
      'data: [DONE]\n\n';
    const { state, emitted } = read(text);
    expect(emitted).toEqual(['a', 'b']);
    expect(state).toMatchObject({ done: true, finishReason: 'stop' });
  });

  it('ignores what follows [DONE]', () => {
    const { state } = read(`${chunk('a')}data: [DONE]\n\n${chunk('late')}data: not json\n\n`);
    expect(state.text).toBe('a');
  });

  it('keeps a stream that ended without [DONE] as not done, for the adapter to judge', () => {
    expect(read(chunk('a')).state).toMatchObject({ done: false, finishReason: undefined, text: 'a' });
    expect(read(chunk('a') + chunk(null, 'length')).state).toMatchObject({
      done: false,
      finishReason: 'length',
    });
  });

  it('counts a last event without its empty line', () => {
    expect(read(`${chunk('a')}data: [DONE]`).state.done).toBe(true);
  });

  it('reads error events in the shapes servers send', () => {
    expect(read(`${chunk('a')}data: {"error":{"message":"engine died","code":500}}\n\n`).state.error).toEqual(
      {
        message: 'engine died',
        code: 500,
      },
    );
    expect(read('data: {"error":"model not loaded"}\n\n').state.error).toEqual({
      message: 'model not loaded',
    });
    expect(read('data: {"object":"error","message":"bad","code":400}\n\n').state.error).toMatchObject({
      message: 'bad',
      code: 400,
    });
    expect(read('event: error\ndata: {"detail":"overloaded"}\n\n').state.error).toMatchObject({
      message: '{"detail":"overloaded"}',
    });
  });

  it.each([
    'data: {"choices": [{"delta": {"content": "a"\n\n',
    'data: <html>\n\n',
    'data: "a string"\n\n',
    'data: {"choices":[{"delta":{"content":42}}]}\n\n',
    'data: {"choices":"many"}\n\n',
  ])('refuses the unreadable event %j', (text) => {
    expect(() => read(text)).toThrow(UnreadableEventError);
  });

  it('does not let an odd usage or unknown fields cost the answer', () => {
    const { state } = read(
      chunk('a', 'stop', { usage: { prompt_tokens: 'many' }, system_fingerprint: 'x', extra: [1] }) +
        'data: [DONE]\n\n',
    );
    expect(state).toMatchObject({ text: 'a', done: true, usage: { prompt_tokens: 'many' } });
  });

  it('keeps the first bytes, for a message about a server that does not speak SSE', () => {
    expect(read('<html>hello</html>').state.firstBytes).toBe('<html>hello</html>');
  });
});
