import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, invocationRequest, temporaryDirectory, toolConfig } from './helpers.js';

const base64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');

describe('text output', () => {
  it('streams each chunk of a slowly writing tool before the tool finishes', async () => {
    const tool = toolConfig({
      env: { FAKE_CHUNKS: JSON.stringify(['one ', 'two ', 'three']), FAKE_CHUNK_DELAY_MS: '300' },
    });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.error).toBeUndefined();
    expect(outcome.outputs).toEqual(['one ', 'two ', 'three']);
    expect(outcome.result?.text).toBe('one two three');
    const outputTimes = outcome.events.filter(({ event }) => event.type === 'output').map(({ at }) => at);
    // The first chunk arrived while two more delays were still to come.
    expect(outcome.completedAt - (outputTimes[0] ?? Infinity)).toBeGreaterThan(450);
    expect(outcome.events.at(-1)?.event.type).toBe('result');
  });

  it('decodes a multi-byte character split across chunks correctly', async () => {
    const bytes = Buffer.from('日本語 ok 🎉', 'utf8');
    // Cut inside the first character and inside the emoji.
    const chunks = [bytes.subarray(0, 1), bytes.subarray(1, 11), bytes.subarray(11, 14), bytes.subarray(14)];
    const tool = toolConfig({
      env: { FAKE_CHUNKS_B64: JSON.stringify(chunks.map(base64)), FAKE_CHUNK_DELAY_MS: '50' },
    });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.result?.text).toBe('日本語 ok 🎉');
    expect(outcome.outputs.join('')).toBe('日本語 ok 🎉');
    expect(outcome.outputs.join('')).not.toContain('\ufffd');
  });

  it('reports zero usage and the requested model, so the kernel prices from models.yaml', async () => {
    const tool = toolConfig({ env: { FAKE_OUTPUT: 'answer' } });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.result).toMatchObject({
      text: 'answer',
      usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
      model: 'fake-model',
      exitCode: 0,
    });
    expect(outcome.result?.reportedCostUsd).toBeUndefined();
    expect(outcome.result?.durationMs).toBeGreaterThanOrEqual(0);
  });
});

describe('json output', () => {
  const document = {
    type: 'result',
    result: 'Hello from JSON',
    session_id: 'session-7',
    total_cost_usd: 0.0123,
    usage: {
      input_tokens: 11,
      output_tokens: 22,
      cache_read_input_tokens: 5,
      cache_creation_input_tokens: 7,
    },
    modelUsage: {
      'claude-sonnet-4-5': { inputTokens: 100, outputTokens: 10, model: 'claude-sonnet-4-5' },
      'claude-haiku-4-5': { inputTokens: 40, outputTokens: 4, model: 'claude-haiku-4-5' },
    },
  };

  it('reads text, usage, cost, model and session through dot paths, summing `*` matches', async () => {
    const tool = toolConfig({
      output: {
        format: 'json',
        text: 'result',
        input_tokens: 'modelUsage.*.inputTokens',
        output_tokens: 'usage.output_tokens',
        cache_read_tokens: 'usage.cache_read_input_tokens',
        cache_write_tokens: 'usage.cache_creation_input_tokens',
        cost_usd: 'total_cost_usd',
        model: 'modelUsage.*.model',
        session_id: 'session_id',
      },
      env: { FAKE_OUTPUT: JSON.stringify(document) },
    });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toMatchObject({
      text: 'Hello from JSON',
      usage: { inputTokens: 140, outputTokens: 22, cacheReadTokens: 5, cacheWriteTokens: 7 },
      reportedCostUsd: 0.0123,
      model: 'claude-haiku-4-5',
      sessionId: 'session-7',
    });
    // A JSON document can only be read whole: its text is emitted once.
    expect(outcome.outputs).toEqual(['Hello from JSON']);
  });

  it('concatenates text matched by `*` in order', async () => {
    const tool = toolConfig({
      output: { format: 'json', text: 'content.*.text' },
      env: {
        FAKE_OUTPUT: JSON.stringify({
          content: [{ text: 'a' }, { image: 'x' }, { text: 'b' }, { text: 'c' }],
        }),
      },
    });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.result?.text).toBe('abc');
  });

  it('fails with bad-output when the text path matches nothing', async () => {
    const tool = toolConfig({
      output: { format: 'json', text: 'answer' },
      env: { FAKE_OUTPUT: JSON.stringify({ error: 'oops' }) },
    });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.error).toMatchObject({ kind: 'bad-output', detail: '{"error":"oops"}' });
  });

  it('fails with bad-output on output that is not JSON', async () => {
    const tool = toolConfig({
      output: { format: 'json', text: 'result' },
      env: { FAKE_OUTPUT: 'Error: not json' },
    });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.error).toMatchObject({ kind: 'bad-output', detail: 'Error: not json' });
    expect((outcome.error as Error).message).toMatch(/not JSON/);
  });
});

describe('jsonl output', () => {
  const lines = [
    { type: 'start', model: 'gpt-5-mini', session: 'abc' },
    { type: 'delta', content: [{ text: 'Hel' }, { text: 'lo' }], usage: { output_tokens: 2 } },
    { type: 'delta', content: [{ text: ', world' }], usage: { output_tokens: 3 } },
    { type: 'done', usage: { input_tokens: 9, output_tokens: 1 }, cost: 0.5 },
  ].map((line) => JSON.stringify(line));

  const paths = {
    format: 'jsonl',
    text: 'content.*.text',
    input_tokens: 'usage.input_tokens',
    output_tokens: 'usage.output_tokens',
    cost_usd: 'cost',
    model: 'model',
    session_id: 'session',
  };

  it('applies the paths to each line, summing numbers and emitting text as each line completes', async () => {
    // Chunks cut lines in the middle, so a line is only read once its newline has arrived.
    const stream = `${lines.join('\n')}\n`;
    const cuts = [0, 30, 70, 95, 140, stream.length];
    const chunks = cuts.slice(1).map((end, index) => stream.slice(cuts[index], end));
    const tool = toolConfig({
      output: paths,
      env: { FAKE_CHUNKS: JSON.stringify(chunks), FAKE_CHUNK_DELAY_MS: '200' },
    });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.error).toBeUndefined();
    expect(outcome.outputs).toEqual(['Hello', ', world']);
    expect(outcome.result).toMatchObject({
      text: 'Hello, world',
      usage: { inputTokens: 9, outputTokens: 6, cacheReadTokens: 0, cacheWriteTokens: 0 },
      reportedCostUsd: 0.5,
      model: 'gpt-5-mini',
      sessionId: 'abc',
    });
    const firstOutput = outcome.events.find(({ event }) => event.type === 'output')?.at ?? Infinity;
    expect(outcome.completedAt - firstOutput).toBeGreaterThan(150);
  });

  it('reads a last line without a trailing newline and skips blank lines', async () => {
    const tool = toolConfig({ output: paths, env: { FAKE_OUTPUT: `\n${lines.join('\n\n')}` } });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.result?.text).toBe('Hello, world');
    expect(outcome.result?.usage.inputTokens).toBe(9);
  });

  it('fails with bad-output on a line that is not JSON, keeping its first 200 bytes', async () => {
    const badLine = `Traceback: ${'x'.repeat(500)}`;
    const tool = toolConfig({
      output: paths,
      env: { FAKE_OUTPUT: [lines[0], badLine, lines[1]].join('\n') },
    });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.error).toMatchObject({ kind: 'bad-output', detail: badLine.slice(0, 200) });
    expect((outcome.error as Error).message).toMatch(/line 2/);
  });
});

describe('output file', () => {
  it('reads text the tool wrote to {{output_file}} and removes it afterwards', async () => {
    const record = temporaryDirectory();
    const tool = toolConfig({
      args: ['--out', '{{output_file}}'],
      output: { source: 'file' },
      env: {
        FAKE_RECORD_DIR: record,
        FAKE_WRITE_FILE_ARG: '1',
        FAKE_OUTPUT: 'from the file',
        FAKE_STDERR: 'progress',
      },
    });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.error).toBeUndefined();
    expect(outcome.result?.text).toBe('from the file');
    expect(outcome.outputs).toEqual(['from the file']);
    const [, outputPath] = JSON.parse(readFileSync(join(record, 'argv.json'), 'utf8')) as string[];
    expect(outputPath).toMatch(/output\.txt$/);
    expect(existsSync(outputPath ?? '')).toBe(false);
  });

  it('parses a JSON output file and ignores stdout', async () => {
    const tool = toolConfig({
      args: ['{{output_file}}'],
      output: { source: 'file', format: 'json', text: 'answer', output_tokens: 'tokens' },
      env: { FAKE_WRITE_FILE_ARG: '0', FAKE_OUTPUT: JSON.stringify({ answer: 'filed', tokens: 3 }) },
    });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.result).toMatchObject({ text: 'filed', usage: { outputTokens: 3 } });
  });

  it('fails with bad-output when the tool wrote no file', async () => {
    const tool = toolConfig({
      args: ['{{output_file}}'],
      output: { source: 'file' },
      env: { FAKE_OUTPUT: 'stdout only' },
    });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.error).toMatchObject({ kind: 'bad-output' });
    expect((outcome.error as Error).message).toMatch(/wrote no output file/);
  });
});
