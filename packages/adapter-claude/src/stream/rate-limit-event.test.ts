import type { PlanWindowReading } from '@llm-service/spec';
import { describe, expect, it } from 'vitest';
import { readFixture, runResultOf } from '../../test/support/fixtures.js';
import { classifyFailure, planLimitRejection } from '../adapter/classify-failure.js';
import { planWindowReadings, rateLimitInfoSchema } from './rate-limit-event.js';
import { ClaudeStreamParser } from './stream-parser.js';

// The reset times the fixtures were recorded with (epoch seconds 1796653150 and 1796905150 in their lines).
const fiveHourReset = '2026-12-07T14:19:10.000Z';
const sevenDayReset = '2026-12-10T12:19:10.000Z';

function parse(name: string) {
  const reported: (readonly PlanWindowReading[])[] = [];
  const parser = new ClaudeStreamParser({
    onText: () => undefined,
    onLimits: (windows) => reported.push(windows),
  });
  parser.push(readFixture(name).stdout);
  parser.end();
  return { state: parser.state, reported };
}

const context = {
  toolId: 'claude',
  binaryPath: '/opt/claude',
  timeoutMs: 30_000,
  retrySameTool: false,
  stoppedForAuth: false,
};

function classify(name: string) {
  const { state } = parse(name);
  return classifyFailure(runResultOf(readFixture(name).meta), state, context);
}

describe("claude 2.1.328's rate_limit_event lines, as recorded on a subscription login", () => {
  it('reads every window with its utilization and reset time, in seconds made ISO 8601', () => {
    expect(parse('plan-limits-allowed').reported).toEqual([
      [
        { window: 'five_hour', status: 'allowed', utilization: 0.42, resetsAt: fiveHourReset },
        { window: 'seven_day', status: 'allowed', utilization: 0.1, resetsAt: sevenDayReset },
      ],
    ]);
  });

  it('reads allowed_warning as warning', () => {
    expect(parse('plan-limits-warning').reported).toEqual([
      [
        { window: 'five_hour', status: 'warning', utilization: 0.93, resetsAt: fiveHourReset },
        { window: 'seven_day', status: 'allowed', utilization: 0.5, resetsAt: sevenDayReset },
      ],
    ]);
  });

  it('reads a window used up but answered on overage as rejected, and the overage as allowed', () => {
    const { reported } = parse('plan-limits-overage');
    expect(reported).toEqual([
      [
        { window: 'five_hour', status: 'rejected', utilization: 1, resetsAt: fiveHourReset },
        { window: 'overage', status: 'allowed', resetsAt: sevenDayReset },
      ],
    ]);
    expect(classify('plan-limits-overage')).toBeUndefined();
  });

  it('reads a window without per-window headers (seven_day_opus) from the top-level fields', () => {
    expect(parse('plan-limit-rejected-opus').reported).toEqual([
      [{ window: 'seven_day_opus', status: 'rejected', resetsAt: sevenDayReset }],
    ]);
  });

  it('reports nothing for the status-only line claude prints after a plain 429 ("not your usage limit")', () => {
    const { reported, state } = parse('rate-limit-429-subscription');
    expect(reported).toEqual([]);
    expect(state.unreadableRateLimitEvents).toBe(0);
    expect(classify('rate-limit-429-subscription')).toMatchObject({ kind: 'rate-limit' });
  });

  it('skips a malformed line and reads the rest of the run', () => {
    const parser = new ClaudeStreamParser({ onText: () => undefined });
    const malformed = [
      '{"type":"rate_limit_event"}',
      '{"type":"rate_limit_event","rate_limit_info":"rejected"}',
      '{"type":"rate_limit_event","rate_limit_info":{"status":42}}',
    ].join('\n');
    parser.push(Buffer.from(`${malformed}\n`));
    parser.push(readFixture('plan-limits-allowed').stdout);
    parser.end();
    expect(parser.state.unreadableRateLimitEvents).toBe(3);
    expect(parser.state.planWindows).toHaveLength(2);
    expect(
      classifyFailure(runResultOf(readFixture('plan-limits-allowed').meta), parser.state, context),
    ).toBeUndefined();
  });
});

describe('mapping rate_limit_info to readings', () => {
  const read = (info: unknown) => planWindowReadings(rateLimitInfoSchema.parse(info));

  it('reads reset times given in milliseconds as the same instant', () => {
    expect(read({ status: 'allowed', rateLimitType: 'five_hour', resetsAt: 1796653150000 })).toEqual([
      { window: 'five_hour', status: 'allowed', resetsAt: fiveHourReset },
    ]);
  });

  it("drops what it cannot read (an unknown status, a field of the wrong type) and keeps a provider's own window names", () => {
    expect(
      read({
        status: 'allowed',
        rateLimitType: 'five_hour',
        utilization: 'high',
        unifiedWindows: {
          five_hour: { utilization: 0.2, resetsAt: 'soon', status: 'allowed' },
          seven_day_sonnet: { utilization: 0.7, resetsAt: 1796905150, status: 'allowed_warning' },
          seven_day: { utilization: 0.1, resetsAt: 1796905150, status: 'throttled' },
          broken: 'yes',
        },
      }),
    ).toEqual([
      { window: 'five_hour', status: 'allowed', utilization: 0.2 },
      { window: 'seven_day_sonnet', status: 'warning', utilization: 0.7, resetsAt: sevenDayReset },
    ]);
  });
});

describe('a refusal on a used-up window', () => {
  it.each([
    ['plan-limit-rejected-five-hour', 'five_hour', fiveHourReset, "You've hit your 5-hour limit"],
    ['plan-limit-rejected-seven-day', 'seven_day', sevenDayReset, "You've hit your weekly limit"],
    ['plan-limit-rejected-opus', 'seven_day_opus', sevenDayReset, "You've hit your Opus limit"],
  ])('%s is plan-limit with the reset time, after a rejected reading', (name, window, resetsAt, said) => {
    const { state, reported } = parse(name);
    expect(reported.flat()).toContainEqual(expect.objectContaining({ window, status: 'rejected', resetsAt }));
    expect(planLimitRejection(state)).toEqual({ window, status: 'rejected', resetsAt });
    const error = classify(name);
    expect(error).toMatchObject({ kind: 'plan-limit', resetsAt, retrySameTool: false, fallback: true });
    expect(error?.message).toContain(said);
    expect(error?.hint).toContain('used up until its reset time');
  });

  it('is distinguished from a plain 429, which stays rate-limit', () => {
    expect(classify('rate-limit-429')).toMatchObject({ kind: 'rate-limit' });
    expect(classify('rate-limit-429')?.resetsAt).toBeUndefined();
  });
});
