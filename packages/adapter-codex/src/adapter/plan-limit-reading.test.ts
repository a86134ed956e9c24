import { describe, expect, it } from 'vitest';
import { readFixture, runResultOf } from '../../test/support/fixtures.js';
import { CodexEventParser } from '../stream/event-parser.js';
import { classifyFailure, planLimitReading } from './classify-failure.js';

function stateOf(stdout: Buffer) {
  const parser = new CodexEventParser({ onText: () => undefined });
  parser.push(stdout);
  parser.end();
  return parser.state;
}

/** The failure of a recorded run and the rejected reading the adapter reports before it. */
function readingOf(name: string) {
  const { stdout, meta } = readFixture(name);
  const state = stateOf(stdout);
  const failure = classifyFailure(runResultOf(meta, { timedOut: meta.timedOut ?? false }), state, {
    toolId: 'codex',
    binaryPath: '/opt/codex',
    timeoutMs: 30_000,
    retrySameTool: false,
    now: new Date(meta.endedAt),
    timeZone: meta.timeZone,
  });
  return { failure, reading: failure && planLimitReading(state, failure), meta };
}

/** codex prints the minute of the reset: the reading says the end of that minute, within a minute of the truth. */
function expectResetNear(resetsAt: string | undefined, stated: unknown) {
  const statedMs = Date.parse(String(stated));
  expect(Date.parse(resetsAt!)).toBeGreaterThan(statedMs);
  expect(Date.parse(resetsAt!)).toBeLessThanOrEqual(statedMs + 60_000);
}

describe("codex 0.169.0's usage-limit refusals as rejected readings", () => {
  it.each(['usage-limit-today', 'usage-limit-later'])('%s: window usage_limit, reset as printed', (name) => {
    const { failure, reading, meta } = readingOf(name);
    expect(failure).toMatchObject({ kind: 'plan-limit' });
    expect(reading).toEqual({ window: 'usage_limit', status: 'rejected', resetsAt: failure!.resetsAt });
    expectResetNear(reading!.resetsAt, meta.server?.resetsAt);
  });

  it("names a model's own limit as codex prints it", () => {
    const { reading, meta } = readingOf('usage-limit-model');
    expect(reading).toMatchObject({ window: 'GPT-5.5-Codex-Spark', status: 'rejected' });
    expectResetNear(reading!.resetsAt, meta.server?.resetsAt);
  });

  it('has no reset time when codex names none ("Try again later.")', () => {
    const { failure, reading } = readingOf('usage-limit-no-reset');
    expect(failure).toMatchObject({ kind: 'plan-limit', resetsAt: undefined });
    expect(reading).toEqual({ window: 'usage_limit', status: 'rejected' });
  });

  it('reads an API account out of credit as the quota rejected, with no reset', () => {
    expect(readingOf('insufficient-quota').reading).toEqual({ window: 'quota', status: 'rejected' });
  });

  it('gives no reading for failures that are not plan limits, nor for an answer', () => {
    expect(readingOf('rate-limit-429').failure).toMatchObject({ kind: 'rate-limit' });
    expect(readingOf('rate-limit-429').reading).toBeUndefined();
    expect(readingOf('rate-limit-headers').failure).toBeUndefined();
  });
});
