import { describe, expect, it } from 'vitest';
import type {
  Candidate,
  PlanWindowObservation,
  PlanWindowsV1,
  PolicyContext,
  ResolvedConfig,
  ToolHoldV1,
} from '@llm-service/spec';
import { policiesFileSchema } from '../policies-schema.js';
import { PlanLimitPolicy, readingLapsesAt } from './plan-limit-policy.js';

/**
 * An in-memory PlanWindowsV1 with the contract's semantics: the latest reading per tool, account and window; a hold
 * (what a refusal for the plan leaves) is in force until its end, and a shorter one never shortens it.
 */
class FakePlanWindows implements PlanWindowsV1 {
  readonly specificationVersion = 'v1' as const;
  readonly readings: PlanWindowObservation[] = [];
  readonly holds: ToolHoldV1[] = [];
  /** How many times each read was made, to show what a decision looked at. */
  calls = { latest: 0, heldUntil: 0 };
  failWith: Error | undefined;

  async record(observation: PlanWindowObservation): Promise<void> {
    this.readings.push(observation);
  }
  async latest(options: { tool?: string } = {}): Promise<readonly PlanWindowObservation[]> {
    this.calls.latest++;
    if (this.failWith) throw this.failWith;
    const newest = new Map<string, PlanWindowObservation>();
    for (const reading of this.readings) {
      if (options.tool !== undefined && reading.tool !== options.tool) continue;
      const key = `${reading.tool}\u0000${reading.account ?? ''}\u0000${reading.window}`;
      const known = newest.get(key);
      if (!known || Date.parse(reading.observedAt) >= Date.parse(known.observedAt)) newest.set(key, reading);
    }
    return [...newest.values()];
  }
  async history(): Promise<readonly PlanWindowObservation[]> {
    return this.readings;
  }
  async hold(hold: ToolHoldV1): Promise<void> {
    this.holds.push(hold);
  }
  async heldUntil(tool: string, now = new Date()): Promise<ToolHoldV1 | undefined> {
    this.calls.heldUntil++;
    if (this.failWith) throw this.failWith;
    return this.holds
      .filter((hold) => hold.tool === tool && Date.parse(hold.until) > now.getTime())
      .sort((a, b) => Date.parse(b.until) - Date.parse(a.until))[0];
  }
}

/** 12:48 UTC; times in messages are shown in UTC (the test pins the zone), so 14:00 is "in 1h 12m". */
const now = new Date('2026-12-07T12:48:00Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();
const claude: Candidate = { tool: 'claude', model: 'claude-sonnet-4-5', reason: 'preferred' };
const claudeHaiku: Candidate = { tool: 'claude', model: 'claude-haiku-4-5', reason: 'fallback' };
const codex: Candidate = { tool: 'codex', model: 'gpt-5.5', reason: 'fallback' };
const gemini: Candidate = { tool: 'gemini', model: 'gemini-3-pro', reason: 'fallback' };

function setup(rules: unknown[], options: { service?: boolean } = {}) {
  const windows = new FakePlanWindows();
  const warnings: string[] = [];
  const policies = policiesFileSchema.parse({ version: 1, plan_limits: rules });
  const policy = new PlanLimitPolicy({
    rules: policies.plan_limits ?? [],
    planWindows: () => (options.service === false ? undefined : windows),
    warn: (message) => warnings.push(message),
    now: () => now,
    timeZone: 'UTC',
  });
  const config = {
    dir: '/config',
    project: 'default',
    tools: {
      claude: { billing: 'subscription', models: ['claude-sonnet-4-5', 'claude-haiku-4-5'] },
      codex: { billing: 'subscription', models: ['gpt-5.5'] },
      gemini: { billing: 'api', models: ['gemini-3-pro'] },
    },
    models: {},
    files: {},
  } as unknown as ResolvedConfig;
  const context = (overrides: Partial<PolicyContext> = {}): PolicyContext => ({
    invocationId: 'inv-1',
    chainId: 'chain-1',
    agent: 'writer',
    taskType: undefined,
    explicit: false,
    prompt: new TextEncoder().encode('x'),
    config,
    maxCostUsd: undefined,
    force: undefined,
    nextCandidates: [],
    ...overrides,
  });
  /** A reading of `claude`'s five-hour window, observed 5 minutes ago, resetting at 14:00. */
  const observe = (reading: Partial<PlanWindowObservation> = {}) =>
    windows.record({
      tool: 'claude',
      window: 'five_hour',
      status: 'allowed',
      utilization: 0.95,
      resetsAt: '2026-12-07T14:00:00.000Z',
      observedAt: minutesAgo(5),
      ...reading,
    });
  return { windows, warnings, policy, context, observe };
}

const rule = (action: string, above = 0.9, extra: Record<string, unknown> = {}) => ({
  tool: 'claude',
  window: 'five_hour',
  above,
  action,
  ...extra,
});

describe('the plan-limit policy', () => {
  it('allows when no rule fires: no reading, a reading below the threshold, another window or another tool', async () => {
    const { policy, context, observe } = setup([rule('block')]);
    expect(await policy.evaluate(claude, context())).toEqual({ action: 'allow' });
    await observe({ utilization: 0.89 });
    await observe({ window: 'seven_day', utilization: 1 });
    await observe({ tool: 'codex', utilization: 1 });
    expect(await policy.evaluate(claude, context())).toEqual({ action: 'allow' });
    // At the threshold, the rule fires: `above` reads as "from".
    await observe({ utilization: 0.9, observedAt: minutesAgo(1) });
    expect((await policy.evaluate(claude, context())).action).toBe('block');
  });

  it('warns naming the window, its percentage and its reset on the local clock with the time left', async () => {
    const { policy, context, observe } = setup([rule('warn')]);
    await observe({ utilization: 0.93 });
    expect(await policy.evaluate(claude, context({ nextCandidates: [codex] }))).toEqual({
      action: 'warn',
      message: "claude's 5-hour window is at 93%, past 90%; it resets at 14:00 (in 1h 12m)",
    });
  });

  it('reroutes to the next candidate on another tool that is free, as a tool-scoped block', async () => {
    const { policy, context, observe } = setup([rule('reroute')]);
    await observe();
    const decision = await policy.evaluate(claude, context({ nextCandidates: [claudeHaiku, codex] }));
    expect(decision).toEqual({
      action: 'block',
      message:
        "claude's 5-hour window is at 95%, past 90%; rerouted to codex:gpt-5.5; it resets at 14:00 (in 1h 12m)",
      hints: [
        'or run it here anyway with --force --reason "why" (the reason is recorded)',
        'or raise above of plan_limits[0] (claude five_hour) in /config/policies.yaml',
      ],
      endsRequest: false,
      resumeAt: '2026-12-07T14:00:00.000Z',
    });
    // Another model of the same tool is not free: the window is the account's. It is skipped in turn.
    expect((await policy.evaluate(claudeHaiku, context({ nextCandidates: [codex] }))).action).toBe('block');
  });

  it('runs a reroute candidate with a warning when no later candidate is free: held, or past a skipping rule', async () => {
    const { policy, context, observe, windows } = setup([
      rule('reroute'),
      { tool: 'gemini', window: 'daily', above: 0.5, action: 'defer' },
    ]);
    await observe();
    await windows.hold({ tool: 'codex', until: '2026-12-07T15:00:00.000Z', reason: 'quota' });
    await observe({ tool: 'gemini', window: 'daily', utilization: 0.6 });
    expect(await policy.evaluate(claude, context({ nextCandidates: [claudeHaiku, codex, gemini] }))).toEqual({
      action: 'warn',
      message:
        "claude's 5-hour window is at 95%, past 90%; no later candidate is free, so it runs on claude; it resets at 14:00 (in 1h 12m)",
    });
    // The route's candidates count, not the config's: with none left there is nothing to reroute to.
    expect((await policy.evaluate(claude, context({ nextCandidates: [] }))).action).toBe('warn');
  });

  it('keeps an explicitly chosen candidate on reroute, but not on block', async () => {
    const { policy, context, observe } = setup([rule('reroute'), rule('block', 0.99)]);
    await observe();
    const kept = await policy.evaluate(claude, context({ explicit: true, nextCandidates: [codex] }));
    expect(kept).toMatchObject({ action: 'warn' });
    expect(kept.action === 'warn' && kept.message).toContain('kept on claude, chosen explicitly');
    await observe({ utilization: 1, observedAt: minutesAgo(1) });
    expect((await policy.evaluate(claude, context({ explicit: true, nextCandidates: [codex] }))).action).toBe(
      'block',
    );
  });

  it('blocks this tool only, naming a free tool from the config, without resumeAt', async () => {
    const { policy, context, observe } = setup([rule('block')]);
    await observe({ utilization: 0.93 });
    expect(await policy.evaluate(claude, context())).toEqual({
      action: 'block',
      message:
        "claude's 5-hour window is at 93%, past 90%; it resets at 14:00 (in 1h 12m); codex:gpt-5.5 is free: run with --tool codex",
      hints: [
        'or run it anyway with --force --reason "why" (the reason is recorded)',
        'or raise above of plan_limits[0] (claude five_hour) in /config/policies.yaml',
      ],
      endsRequest: false,
    });
  });

  it('defers like a block, with resumeAt at the window reset so waiting work comes back then', async () => {
    const { policy, context, observe, windows } = setup([rule('defer')]);
    await observe({ utilization: 0.93 });
    // codex is held, so the route's gemini is named.
    await windows.hold({ tool: 'codex', until: '2026-12-07T15:00:00.000Z', reason: 'quota' });
    const decision = await policy.evaluate(claude, context({ nextCandidates: [codex, gemini] }));
    expect(decision).toMatchObject({
      action: 'block',
      endsRequest: false,
      resumeAt: '2026-12-07T14:00:00.000Z',
      message:
        "claude's 5-hour window is at 93%, past 90%; it resets at 14:00 (in 1h 12m); gemini:gemini-3-pro is free: run with --tool gemini",
    });
  });

  it('lets the most severe rule that fires decide', async () => {
    const { policy, context, observe } = setup([rule('warn', 0.5), rule('block', 0.99), rule('defer', 0.8)]);
    await observe({ utilization: 0.85 });
    expect(await policy.evaluate(claude, context())).toMatchObject({
      action: 'block',
      resumeAt: expect.any(String),
    });
    await observe({ utilization: 1, observedAt: minutesAgo(1) });
    const decision = await policy.evaluate(claude, context());
    expect(decision.action).toBe('block');
    expect(decision).not.toHaveProperty('resumeAt');
  });

  it('counts a reading until its window resets, or for max_age_minutes when set, or an hour when no reset is known', async () => {
    const decide = async (reading: Partial<PlanWindowObservation>, extra: Record<string, unknown> = {}) => {
      const { policy, context, observe } = setup([rule('block', 0.9, extra)]);
      await observe(reading);
      return (await policy.evaluate(claude, context())).action;
    };
    // Four hours old but its window has not reset: usage only grows within a window, so it still counts.
    expect(await decide({ observedAt: minutesAgo(240) })).toBe('block');
    expect(await decide({ resetsAt: minutesAgo(1), observedAt: minutesAgo(30) })).toBe('allow');
    expect(await decide({ resetsAt: undefined, observedAt: minutesAgo(61) })).toBe('allow');
    expect(await decide({ resetsAt: undefined, observedAt: minutesAgo(59) })).toBe('block');
    expect(await decide({ observedAt: minutesAgo(11) }, { max_age_minutes: 10 })).toBe('allow');
    expect(await decide({ observedAt: minutesAgo(9) }, { max_age_minutes: 10 })).toBe('block');
  });

  it('defers until the reading lapses when that comes before the reset (max_age_minutes)', async () => {
    const { policy, context, observe } = setup([rule('defer', 0.9, { max_age_minutes: 30 })]);
    await observe({ observedAt: minutesAgo(5) });
    expect(await policy.evaluate(claude, context())).toMatchObject({ resumeAt: '2026-12-07T13:13:00.000Z' });
  });

  it('reads a rejected window without a figure as full, and one without a figure otherwise as unknown', async () => {
    const { policy, context, observe } = setup([rule('block', 0.99)]);
    await observe({ utilization: undefined, status: 'warning' });
    expect(await policy.evaluate(claude, context())).toEqual({ action: 'allow' });
    // Rejected without a reset: no hold, but the rule sees a full window.
    await observe({
      utilization: undefined,
      status: 'rejected',
      resetsAt: undefined,
      observedAt: minutesAgo(1),
    });
    expect(await policy.evaluate(claude, context())).toMatchObject({ action: 'block' });
  });

  it('skips a held tool at once, whatever the rules, until the hold ends, with resumeAt at its end', async () => {
    const { policy, context, windows } = setup([]);
    // What the telemetry plugin records when claude refuses a request for its plan.
    await windows.hold({
      tool: 'claude',
      until: '2026-12-07T14:00:00.000Z',
      reason: "You've hit your 5-hour limit",
    });
    const decision = await policy.evaluate(claude, context({ nextCandidates: [codex] }));
    expect(decision).toEqual({
      action: 'block',
      message:
        "claude is held until 14:00 (in 1h 12m): You've hit your 5-hour limit; codex:gpt-5.5 is free: run with --tool codex",
      hints: [
        'or run it anyway with --force --reason "why" (the reason is recorded); the program may refuse it until then',
      ],
      endsRequest: false,
      resumeAt: '2026-12-07T14:00:00.000Z',
    });
    // A hold is checked before any reading: nothing else was read.
    expect(windows.calls.latest).toBe(0);
    // After the reset, the hold no longer applies and, without rules, neither does the reading.
    const later = new PlanLimitPolicy({
      rules: [],
      planWindows: () => windows,
      warn: () => undefined,
      now: () => new Date('2026-12-07T14:00:01Z'),
      timeZone: 'UTC',
    });
    expect(await later.evaluate(claude, context())).toEqual({ action: 'allow' });
  });

  it('looks at no window of a tool billed by the token that no rule names, even one held', async () => {
    const { policy, context, windows } = setup([rule('block')]);
    await windows.hold({ tool: 'gemini', until: '2026-12-07T14:00:00.000Z', reason: 'gemini was rejected' });
    expect(await policy.evaluate(gemini, context())).toEqual({ action: 'allow' });
    // Neither read was made: for such a tool, the telemetry database stays closed until the answer is recorded.
    expect(windows.calls).toEqual({ latest: 0, heldUntil: 0 });
    // Named by a rule, the same tool is watched.
    const named = setup([{ ...rule('block'), tool: 'gemini' }]);
    await named.windows.hold({
      tool: 'gemini',
      until: '2026-12-07T14:00:00.000Z',
      reason: 'gemini was rejected',
    });
    expect((await named.policy.evaluate(gemini, named.context())).action).toBe('block');
  });

  it('lets --force --reason past a hold and past any rule, with a warning that records the reason', async () => {
    const { policy, context, observe, windows } = setup([rule('block')]);
    await observe();
    const force = { reason: 'release day' };
    expect(await policy.evaluate(claude, context({ force }))).toEqual({
      action: 'warn',
      message:
        "forced past: claude's 5-hour window is at 95%, past 90%; it resets at 14:00 (in 1h 12m) (reason: release day)",
    });
    await windows.hold({ tool: 'claude', until: '2026-12-08T09:30:00.000Z', reason: 'quota reached' });
    expect(await policy.evaluate(claude, context({ force }))).toEqual({
      action: 'warn',
      message:
        'forced past: claude is held until Tue 8 Dec 09:30 (in 20h 42m): quota reached (reason: release day)',
    });
  });

  it('says once that rules need the telemetry plugin when nothing provides plan windows, and allows', async () => {
    const { policy, context, warnings } = setup([rule('block')], { service: false });
    expect(await policy.evaluate(claude, context())).toEqual({ action: 'allow' });
    expect(await policy.evaluate(claude, context())).toEqual({ action: 'allow' });
    expect(warnings).toEqual([
      'warning: policies.yaml has plan_limits: rules, but no loaded plugin provides plan windows, so they are not ' +
        'checked; load @llm-service/telemetry (the llm-service CLI does by default)',
    ]);
    const quiet = setup([], { service: false });
    await quiet.policy.evaluate(claude, quiet.context());
    expect(quiet.warnings).toEqual([]);
  });

  it('runs a tool with a warning when its plan windows cannot be read', async () => {
    const { policy, context, windows } = setup([rule('block')]);
    windows.failWith = new Error('database disk image is malformed');
    expect(await policy.evaluate(claude, context())).toEqual({
      action: 'warn',
      message:
        'the plan windows of claude cannot be checked (database disk image is malformed); running it unchecked',
    });
  });
});

describe('readingLapsesAt', () => {
  const reading = { tool: 't', window: 'w', status: 'allowed' as const, observedAt: minutesAgo(10) };
  it('is the reset, or sooner the end of max_age_minutes; an hour without either; undefined once passed', () => {
    expect(readingLapsesAt(reading, {}, now)?.toISOString()).toBe('2026-12-07T13:38:00.000Z');
    const resetting = { ...reading, resetsAt: '2026-12-07T18:00:00Z' };
    expect(readingLapsesAt(resetting, {}, now)?.toISOString()).toBe('2026-12-07T18:00:00.000Z');
    expect(readingLapsesAt(resetting, { max_age_minutes: 20 }, now)?.toISOString()).toBe(
      '2026-12-07T12:58:00.000Z',
    );
    expect(readingLapsesAt(reading, { max_age_minutes: 10 }, now)).toBeUndefined();
  });
});
