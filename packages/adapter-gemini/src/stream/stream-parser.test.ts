import { describe, expect, it } from 'vitest';
import { chunked, readFixture } from '../../test/support/fixtures.js';
import { toInvocationResult, usageOf } from './invocation-result.js';
import { GeminiStreamParser } from './stream-parser.js';

function parse(stdout: Buffer, pieces?: readonly number[]) {
  const texts: string[] = [];
  const parser = new GeminiStreamParser({ onText: (text) => texts.push(text) });
  for (const chunk of pieces ? chunked(stdout, pieces) : [stdout]) parser.push(chunk);
  parser.end();
  return { state: parser.state, texts };
}

describe('reading what the real gemini printed', () => {
  it('streams the answer deltas and reads the result line of a successful run', () => {
    const { stdout } = readFixture('success');
    const { state, texts } = parse(stdout);
    expect(texts).toEqual(['Hello ', 'from the ', 'test server.', '\nSecond line é 日本.']);
    expect(state.init).toMatchObject({ model: 'gemini-2.5-flash' });
    expect(state.result?.status).toBe('success');
    expect(state.unreadableLines).toBe(0);
    expect(state.unknownEvents).toBe(0);
  });

  it('gives the same text however the pipe cuts the bytes (multi-byte characters included)', () => {
    const { stdout } = readFixture('success');
    expect(parse(stdout, [1, 3, 2]).state.emittedText).toBe(parse(stdout).state.emittedText);
    expect(parse(stdout, [5, 64]).state.emittedText).toBe('Hello from the test server.\nSecond line é 日本.');
  });

  it('maps the server’s usage exactly: uncached input, cache reads, candidates plus thoughts', () => {
    // The server sent promptTokenCount 1200 (500 of them cached), candidatesTokenCount 340, thoughtsTokenCount 60.
    const { state } = parse(readFixture('success').stdout);
    expect(usageOf(state.result!)).toEqual({
      inputTokens: 700,
      cacheReadTokens: 500,
      outputTokens: 400,
      cacheWriteTokens: 0,
    });
    const result = toInvocationResult(state, state.result!, {
      requestedModel: 'gemini-2.5-flash',
      exitCode: 0,
      processDurationMs: 1500,
    });
    expect(result).toMatchObject({
      text: 'Hello from the test server.\nSecond line é 日本.',
      model: 'gemini-2.5-flash',
      exitCode: 0,
      durationMs: 1500,
      sessionId: expect.any(String) as string,
    });
  });

  it('sums several models of one run, each on its own figures', () => {
    const line = JSON.stringify({
      type: 'result',
      status: 'success',
      stats: {
        total_tokens: 9999,
        models: {
          'gemini-2.5-pro': {
            total_tokens: 1600,
            input_tokens: 1200,
            output_tokens: 340,
            cached: 500,
            input: 700,
          },
          'gemini-2.5-flash-lite': {
            total_tokens: 130,
            input_tokens: 100,
            output_tokens: 30,
            cached: 0,
            input: 100,
          },
        },
      },
    });
    const { state } = parse(Buffer.from(`${line}\n`));
    expect(usageOf(state.result!)).toEqual({
      inputTokens: 800,
      cacheReadTokens: 500,
      outputTokens: 430,
      cacheWriteTokens: 0,
    });
  });

  it('says the usage was not reported when the result line has no stats, so the kernel estimates it', () => {
    const { state } = parse(
      Buffer.from(
        '{"type":"message","role":"assistant","content":"hi","delta":true}\n{"type":"result","status":"success"}\n',
      ),
    );
    const context = { requestedModel: 'gemini-2.5-flash', exitCode: 0, processDurationMs: 10 };
    expect(toInvocationResult(state, state.result!, context)).toMatchObject({
      text: 'hi',
      usageReported: false,
      model: 'gemini-2.5-flash',
    });
    const reported = parse(readFixture('success').stdout).state;
    expect(toInvocationResult(reported, reported.result!, context)).not.toHaveProperty('usageReported');
  });

  it('computes uncached input from prompt minus cached when `input` is missing', () => {
    const line = JSON.stringify({
      type: 'result',
      status: 'success',
      stats: { models: { m: { total_tokens: 130, input_tokens: 100, output_tokens: 30, cached: 40 } } },
    });
    expect(usageOf(parse(Buffer.from(line)).state.result!)).toEqual({
      inputTokens: 60,
      cacheReadTokens: 40,
      outputTokens: 30,
      cacheWriteTokens: 0,
    });
  });

  it('keeps error lines and the error result of a failed run', () => {
    const noFinish = parse(readFixture('truncated-no-finish').stdout).state;
    expect(noFinish.errors.map((error) => error.message)).toEqual([
      'Model stream ended without a finish reason.',
    ]);
    expect(noFinish.result?.status).toBe('error');
    const refused = parse(readFixture('api-key-invalid-400').stdout).state;
    expect(refused.result?.error?.message).toContain('API_KEY_INVALID');
    expect(refused.emittedText).toBe('');
  });

  it('separates the texts of turns with a tool call between them, and skips events it does not know', () => {
    const lines = [
      { type: 'message', role: 'assistant', content: 'Let me look.', delta: true },
      { type: 'tool_use', tool_name: 'read_file', tool_id: 't1', parameters: {} },
      { type: 'tool_result', tool_id: 't1', status: 'success', output: 'x' },
      { type: 'future_event', anything: true },
      { type: 'message', role: 'assistant', content: 'Found it.', delta: true },
    ];
    const { state } = parse(Buffer.from(lines.map((line) => JSON.stringify(line)).join('\n')));
    expect(state.emittedText).toBe('Let me look.\n\nFound it.');
    expect(state.toolCalls).toBe(1);
    expect(state.unknownEvents).toBe(1);
  });

  it('counts lines that are not stream-json, or a known event of the wrong shape, as unreadable', () => {
    const { state } = parse(
      Buffer.from('Usage: gemini [options]\n{"type":"message","role":"assistant"}\n[1,2]\n'),
    );
    expect(state.unreadableLines).toBe(3);
    expect(state.events).toBe(0);
    expect(state.firstBytes).toContain('Usage: gemini');
  });
});
