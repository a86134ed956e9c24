import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createReporter, describeOutcome, type TaskOutcome } from './progress.js';
import { task } from './test-support.js';

const id = '2026-12-07T0254-architect-architect-continues-t1';
const outcome = (fields: Partial<TaskOutcome> = {}): TaskOutcome => ({
  id,
  agent: 'architect',
  title: 'Design it',
  status: 'done',
  tool: 'claude',
  model: 'sonnet',
  attempts: 2,
  costUsd: 0.0412,
  unknownCostAttempts: 0,
  tokens: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 },
  chainId: 'c1',
  answer: `runs/${id}/answer.md`,
  summary: 'Designed it',
  nextAgent: 'backend-dev',
  followUp: 'next-id',
  error: null,
  durationMs: 48_210,
  warnings: [],
  ...fields,
});

function capture(interactive: boolean, json: boolean) {
  const stdout = Object.assign(new PassThrough(), { columns: 60 });
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const reporter = createReporter({ stdout, stderr, interactive, color: false }, json);
  return { reporter, out: () => out, err: () => err };
}

describe('progress', () => {
  it('says how each task ended in one line, keeping our paths as they are and redacting what tools said', () => {
    expect(describeOutcome(outcome())).toBe(
      `done ${id} (architect) in 48 s on claude:sonnet, $0.04, 2 attempts; answer runs/${id}/answer.md; ` +
        'handed off to backend-dev: next-id',
    );
    const key = 'sk-ant-0123456789abcdefghijklmnop';
    expect(
      describeOutcome(
        outcome({ status: 'error', error: { kind: 'auth', message: `bad key ${key}\u001b[31m` } }),
      ),
    ).toBe(`error ${id} (architect) after 48 s, $0.04: auth: bad key sk-[REDACTED]\\x1b[31m`);
    expect(
      describeOutcome(
        outcome({ status: 'blocked', attempts: 0, error: { kind: 'policy', message: 'over' } }),
      ),
    ).toBe(`blocked ${id} (architect): over`);
    expect(describeOutcome(outcome({ unknownCostAttempts: 1 }))).toContain('$0.04 + 1 of unknown cost');
  });

  it('--json prints one object per task and a summary, and nothing else on stdout', () => {
    const { reporter, out, err } = capture(false, true);
    reporter.started(task('t1'), 'c1');
    reporter.notice('t9 (writer): put back');
    reporter.finished(outcome({ costUsd: 0.1 + 0.2 }));
    reporter.summary({
      tasks: 1,
      runs: 1,
      done: 1,
      error: 0,
      blocked: 0,
      interrupted: 0,
      lost: 0,
      created: 1,
      costUsd: 0.30000000000000004,
      durationMs: 5,
      exitCode: 0,
    });
    const lines = out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.type)).toEqual(['task', 'summary']);
    expect(lines[0]).toMatchObject({ id, costUsd: 0.3, status: 'done', followUp: 'next-id' });
    expect(lines[1]).toMatchObject({ costUsd: 0.3, exitCode: 0 });
    expect(err()).toBe('llm-service: t9 (writer): put back\n');
  });

  it('on a terminal, keeps a clipped live line per running task, its time always shown', () => {
    const { reporter, out } = capture(true, false);
    reporter.started(
      task('t1', { title: 'A title much longer than the terminal is wide, by far and away' }),
      'c1',
    );
    const live = out().split('\n')[0]!;
    expect(live.length).toBeLessThanOrEqual(60);
    expect(live).toMatch(/^⠋ t1 \(writer\) A title much longer.*… 0\.0 s$/);
    reporter.finished(outcome({ id: 't1' }));
    reporter.close();
    // The live line is cleared (cursor up, clear to the end) before the permanent one is written.
    expect(out()).toContain('\u001b[1A\u001b[J✓ done t1 (architect)');
  });
});
