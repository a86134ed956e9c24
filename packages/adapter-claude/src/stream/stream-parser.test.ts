import { describe, expect, it } from 'vitest';
import { chunked, readFixture } from '../../test/support/fixtures.js';
import { toInvocationResult, usageOf } from './invocation-result.js';
import { ClaudeStreamParser } from './stream-parser.js';
import type { ApiRetryEvent } from './stream-events.js';

/** Feeds a recorded stdout through the parser in awkward pieces, as a pipe may deliver it. */
function parse(bytes: Buffer, sizes?: readonly number[]) {
  const texts: string[] = [];
  const retries: ApiRetryEvent[] = [];
  const parser = new ClaudeStreamParser({
    onText: (text) => texts.push(text),
    onRetry: (retry) => retries.push(retry),
  });
  for (const chunk of chunked(bytes, sizes)) parser.push(chunk);
  parser.end();
  return { parser, state: parser.state, texts, retries };
}

describe('the stream-json parser, on recorded output of claude 2.1.328', () => {
  it('streams each text delta of a successful run, whole characters only, and reads its result', () => {
    const { state, texts } = parse(readFixture('success').stdout);
    expect(texts).toEqual(['Hello ', 'from the ', 'test server.', '\nSecond line é 日本.']);
    expect(state.init).toMatchObject({ model: 'claude-sonnet-4-5', apiKeySource: 'ANTHROPIC_API_KEY' });
    expect(state.result).toMatchObject({
      subtype: 'success',
      is_error: false,
      result: 'Hello from the test server.\nSecond line é 日本.',
      num_turns: 1,
    });
    expect(state.unreadableLines).toBe(0);
    expect(state.answerModel).toBe('claude-sonnet-4-5');
  });

  it('gives the same text whatever the chunking', () => {
    const bytes = readFixture('success').stdout;
    for (const sizes of [[1], [2, 3], [4096], [bytes.length]]) {
      expect(parse(bytes, sizes).texts.join('')).toBe('Hello from the test server.\nSecond line é 日本.');
    }
  });

  it('maps the result to usage (cache reads and writes apart), cost, session, turns and duration', () => {
    const { state } = parse(readFixture('success').stdout);
    const result = toInvocationResult(state, state.result!, {
      requestedModel: 'asked-for',
      exitCode: 0,
      processDurationMs: 999_999,
    });
    expect(result).toEqual({
      text: 'Hello from the test server.\nSecond line é 日本.',
      usage: { inputTokens: 120, outputTokens: 17, cacheReadTokens: 40, cacheWriteTokens: 30 },
      // claude's own price table: 120 × $3 + 17 × $15 + 40 × $0.30 + 30 × $3.75 per million tokens.
      reportedCostUsd: 0.0007395,
      model: 'claude-sonnet-4-5',
      exitCode: 0,
      durationMs: state.result!.duration_ms,
      sessionId: state.init!.session_id,
      turns: 1,
    });
    expect(result.durationMs).toBeLessThan(999_999);
  });

  it('separates the texts of several turns with a blank line; the result holds the final turn only', () => {
    const { state, texts } = parse(readFixture('tool-use').stdout);
    expect(texts.join('')).toBe('Let me look.\n\nThe command was not allowed.');
    expect(state.result).toMatchObject({ result: 'The command was not allowed.', num_turns: 2 });
    // Totals over both turns.
    expect(usageOf(state.result!)).toEqual({
      inputTokens: 120,
      outputTokens: 14,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it('reports API retries as they happen', () => {
    const { retries, texts, state } = parse(readFixture('rate-limit-then-success').stdout);
    expect(retries).toEqual([
      expect.objectContaining({ attempt: 1, max_retries: 2, error_status: 429, error: 'rate_limit' }),
    ]);
    expect(texts.join('')).toBe('Answered after a retry.');
    expect(state.result?.is_error).toBe(false);
  });

  it.each([
    ['not-logged-in', 'authentication_failed', undefined, 'Not logged in · Please run /login'],
    [
      'auth-401',
      'authentication_failed',
      401,
      'Failed to authenticate. API Error: 401 test server: authentication_error',
    ],
    ['rate-limit-429', 'rate_limit', 429, undefined],
    ['overloaded-529', 'server_error', 529, undefined],
  ])(
    'keeps what the synthetic error message of %s says, and streams none of it',
    (name, error, status, text) => {
      const { state, texts } = parse(readFixture(name).stdout);
      expect(texts).toEqual([]);
      expect(state.apiError).toMatchObject({ error, status });
      if (text !== undefined) expect(state.apiError?.text).toBe(text);
      expect(state.result?.is_error).toBe(true);
    },
  );

  it('reads a budget stop, whose usage is zeroed but whose modelUsage is not', () => {
    const { state, texts } = parse(readFixture('budget-exceeded').stdout);
    expect(texts.join('')).toBe('An answer over budget.');
    expect(state.result).toMatchObject({
      subtype: 'error_max_budget_usd',
      is_error: true,
      errors: ['Reached maximum budget ($0.0001)'],
    });
    expect(state.result?.usage?.input_tokens).toBe(0);
    expect(usageOf(state.result!)).toMatchObject({ inputTokens: 1000, outputTokens: 100 });
    // The result line repeats no text here: the answer is the last message's.
    expect(state.result?.result).toBeUndefined();
    expect(state.lastMessageText).toBe('An answer over budget.');
    const result = toInvocationResult(state, state.result!, {
      requestedModel: 'x',
      exitCode: 1,
      processDurationMs: 1,
    });
    expect(result).toMatchObject({
      text: 'An answer over budget.',
      usage: { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
    expect(result.reportedCostUsd).toBeCloseTo((1000 * 3 + 100 * 15) / 1_000_000, 12);
  });

  it('keeps only the last message’s text as the final answer', () => {
    const { state } = parse(readFixture('tool-use').stdout);
    expect(state.lastMessageText).toBe('The command was not allowed.');
    expect(parse(readFixture('budget-exceeded-mid-task').stdout).state.lastMessageText).toBe('Let me look.');
  });

  it('counts lines that are not stream-json and keeps the first bytes verbatim', () => {
    const { state, texts } = parse(Buffer.from('Hello, I am not Claude Code\nstill not JSON\n[1,2]\n'));
    expect(texts).toEqual([]);
    expect(state.events).toBe(0);
    expect(state.unreadableLines).toBe(3);
    expect(state.firstBytes).toBe('Hello, I am not Claude Code\nstill not JSON\n[1,2]\n');
  });

  it('ignores the text of sub-agents and keeps blank lines out of the count', () => {
    const lines = [
      { type: 'stream_event', parent_tool_use_id: 'toolu_1', event: textDeltaEvent('sub-agent text') },
      { type: 'stream_event', parent_tool_use_id: null, event: textDeltaEvent('main text') },
    ];
    const { texts, state } = parse(
      Buffer.from(`${lines.map((line) => JSON.stringify(line)).join('\n\n')}\n`),
    );
    expect(texts).toEqual(['main text']);
    expect(state.events).toBe(2);
  });

  it('does not add a separator after text that already ends in a blank line or newline', () => {
    const start = { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } };
    const lines = [
      start,
      textDeltaEvent('one\n'),
      start,
      textDeltaEvent('two\n\n'),
      start,
      textDeltaEvent('three'),
    ].map((event) => JSON.stringify({ type: 'stream_event', parent_tool_use_id: null, event }));
    expect(parse(Buffer.from(lines.join('\n'))).texts.join('')).toBe('one\n\ntwo\n\nthree');
  });
});

function textDeltaEvent(text: string) {
  return { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } };
}
