import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chunked, fixturesDir, readFixture } from '../../test/support/fixtures.js';
import { CodexEventParser, parseRetryNotice } from './event-parser.js';

function parse(bytes: Buffer | readonly Buffer[]) {
  const texts: string[] = [];
  const parser = new CodexEventParser({ onText: (text) => texts.push(text) });
  for (const chunk of Buffer.isBuffer(bytes) ? [bytes] : bytes) parser.push(chunk);
  parser.end();
  return { texts, state: parser.state };
}

const fixtureNames = readdirSync(fixturesDir)
  .filter((name) => name.endsWith('.jsonl'))
  .map((name) => name.slice(0, -'.jsonl'.length));

describe('reading what the real codex printed', () => {
  it('hands on the agent message whole, with the thread id, one turn and the usage as codex reported it', () => {
    const { texts, state } = parse(readFixture('success').stdout);
    expect(texts).toEqual(['Hello from the test server.\nSecond line é 日本.']);
    expect(state.threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(state).toMatchObject({ turnsStarted: 1, turnsCompleted: 1, unreadableLines: 0, events: 4 });
    expect(state.usage).toEqual({
      input_tokens: 2000,
      cached_input_tokens: 500,
      cache_write_input_tokens: 0,
      output_tokens: 300,
      reasoning_output_tokens: 100,
    });
  });

  it('separates several messages by a blank line, counting a newline already there', () => {
    const { texts, state } = parse(readFixture('two-messages').stdout);
    expect(texts).toEqual(['First message.', '\n\nSecond message.\n']);
    expect(state.emittedText).toBe('First message.\n\nSecond message.\n');
    expect(state.messages).toEqual(['First message.', 'Second message.\n']);
  });

  it.each(fixtureNames)('%s reads the same however the pipe cuts it', (name) => {
    const { stdout } = readFixture(name);
    const whole = parse(stdout);
    const pieces = parse(chunked(stdout));
    expect(pieces.texts.join('')).toBe(whole.texts.join(''));
    expect(pieces.state).toEqual(whole.state);
    expect(whole.state.unreadableLines).toBe(0);
  });

  it('keeps codex’s verdict apart from its retry notices', () => {
    const { state } = parse(readFixture('server-error-500-retried').stdout);
    expect(state.retries).toEqual([
      {
        attempt: 1,
        of: 2,
        reason: 'We’re currently experiencing high demand, which may cause temporary errors.',
      },
      {
        attempt: 2,
        of: 2,
        reason: 'We’re currently experiencing high demand, which may cause temporary errors.',
      },
    ]);
    expect(state.lastError).toBe(
      'We’re currently experiencing high demand, which may cause temporary errors.',
    );
    expect(state.turnFailed).toBe(state.lastError);
    expect(state.turnsCompleted).toBe(0);
  });

  it('reads a run killed while codex waited for the network as retries without a verdict', () => {
    const { state } = parse(readFixture('connection-refused').stdout);
    expect(state.retries[0]).toEqual({
      attempt: undefined,
      of: undefined,
      reason: 'Connection failed: error sending request',
    });
    expect(state.turnFailed).toBeUndefined();
  });
});

describe('the event parser on output no fixture has', () => {
  it('never hands on reasoning, commands, file changes or warnings, only agent messages', () => {
    const lines = [
      { type: 'thread.started', thread_id: 't-1' },
      {
        type: 'item.completed',
        item: { id: 'item_0', type: 'error', message: 'Model metadata for `x` not found.' },
      },
      { type: 'turn.started' },
      {
        type: 'item.started',
        item: { id: 'item_1', type: 'command_execution', command: 'ls', status: 'in_progress' },
      },
      {
        type: 'item.completed',
        item: { id: 'item_1', type: 'command_execution', aggregated_output: 'secret.txt\n' },
      },
      { type: 'item.completed', item: { id: 'item_2', type: 'reasoning', text: 'I should list files.' } },
      { type: 'item.updated', item: { id: 'item_3', type: 'todo_list', items: [] } },
      { type: 'item.completed', item: { id: 'item_4', type: 'file_change', changes: [] } },
      { type: 'item.completed', item: { id: 'item_5', type: 'agent_message', text: 'Done.' } },
      { type: 'future.event', anything: true },
      { type: 'turn.completed', usage: { input_tokens: 10, cached_input_tokens: 2, output_tokens: 3 } },
    ];
    const { texts, state } = parse(Buffer.from(lines.map((line) => JSON.stringify(line)).join('\n')));
    expect(texts).toEqual(['Done.']);
    expect(state.warnings).toEqual(['Model metadata for `x` not found.']);
    expect(state.events).toBe(lines.length);
    // Fields codex left out count as zero.
    expect(state.usage).toMatchObject({ cache_write_input_tokens: 0, reasoning_output_tokens: 0 });
  });

  it('sums the usage of several turns', () => {
    const turn = {
      type: 'turn.completed',
      usage: { input_tokens: 10, cached_input_tokens: 4, output_tokens: 3 },
    };
    const { state } = parse(Buffer.from(`${JSON.stringify(turn)}\n${JSON.stringify(turn)}\n`));
    expect(state.usage).toMatchObject({ input_tokens: 20, cached_input_tokens: 8, output_tokens: 6 });
    expect(state.turnsCompleted).toBe(2);
  });

  it('counts text, bare JSON and known events of the wrong shape as unreadable, never trusting them', () => {
    const lines = [
      'Usage: codex [OPTIONS]',
      '42',
      '{"no":"type"}',
      '{"type":"turn.completed","usage":{"input_tokens":-5}}',
      '{"type":"item.completed","item":"not an object"}',
    ];
    const { texts, state } = parse(Buffer.from(lines.join('\n')));
    expect(texts).toEqual([]);
    expect(state).toMatchObject({ events: 0, unreadableLines: 5, usage: undefined });
    expect(state.firstBytes.startsWith('Usage: codex [OPTIONS]')).toBe(true);
  });

  it('reads retry notices, and nothing else, as retries', () => {
    expect(parseRetryNotice('Reconnecting... 3/5 (stream disconnected)')).toEqual({
      attempt: 3,
      of: 5,
      reason: 'stream disconnected',
    });
    expect(parseRetryNotice('Reconnecting... waiting for network (Connection failed)')).toMatchObject({
      reason: 'Connection failed',
    });
    expect(parseRetryNotice('unexpected status 401 Unauthorized')).toBeUndefined();
  });
});
