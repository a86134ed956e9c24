import { describe, expect, it } from 'vitest';
import type {
  PlanWindowObservation,
  PlanWindowsV1,
  SpendLedgerV1,
  SpendPeriod,
  ToolHoldV1,
} from '@llm-service/spec';
import { policiesFileSchema } from '../policies-schema.js';
import { bar, buildBudgetReport, renderBudgetReport } from './budget-report.js';

const spentBy: Record<string, number> = { global: 8.5, 'agent:writer': 1.25, 'chain:run-7': 2.5 };
const asked: [string, SpendPeriod, string | undefined][] = [];
const counts: Record<string, string | undefined> = {};
const ledger: SpendLedgerV1 = {
  specificationVersion: 'v1',
  spent: async (scope, period, options) => {
    asked.push([scope, period, options?.timezone]);
    counts[scope] = options?.count;
    return spentBy[scope] ?? 0;
  },
  reserve: () => Promise.reject(new Error('not used')),
  settle: async () => undefined,
  release: async () => undefined,
};

const { budgets = [] } = policiesFileSchema.parse({
  version: 1,
  budgets: [
    { scope: 'global', period: 'daily', limit_usd: 10, alert_at_percent: 80, mode: 'hard' },
    { scope: 'agent:writer', period: 'monthly', limit_usd: 50, mode: 'soft' },
    { scope: 'chain', period: 'daily', limit_usd: 2 },
    { scope: 'model:opus', period: 'weekly', limit_usd: 20, timezone: 'Europe/Berlin', count: 'all' },
  ],
});
const now = new Date('2026-11-25T21:00:00Z');

describe('the budget report', () => {
  it('gives each budget its spend in the current period, percentage, state and time to reset', async () => {
    const report = await buildBudgetReport({
      budgets,
      ledger,
      configDir: '/c',
      chainId: undefined,
      project: 'default',
      now,
    });
    expect(
      report.budgets.map((status) => [status.scope, status.spentUsd, status.percent, status.state]),
    ).toEqual([
      ['global', 8.5, 85, 'alert'],
      ['agent:writer', 1.25, 2.5, 'ok'],
      ['chain', null, null, 'per-chain'],
      ['model:opus', 0, 0, 'ok'],
    ]);
    expect(report.budgets[0]).toMatchObject({
      periodStart: '2026-11-25T00:00:00Z',
      resetsAt: '2026-11-26T00:00:00Z',
      resetsInMs: 3 * 3600 * 1000,
    });
    // The ISO week of Wednesday 25 November 2026 in Berlin ends at Monday 30 November 00:00 CET.
    expect(report.budgets[3]).toMatchObject({ timezone: 'Europe/Berlin', resetsAt: '2026-11-29T23:00:00Z' });
    expect(asked).toContainEqual(['model:opus', 'weekly', 'Europe/Berlin']);
    // Each budget reads spend as it counts it: api billing only, unless it says all.
    expect(counts).toMatchObject({ global: 'api', 'agent:writer': 'api', 'model:opus': 'all' });
    // Without a plan-windows service there is no `windows` at all (not an empty list that would say none were seen).
    expect(report).not.toHaveProperty('windows');
  });

  it('reads one chain with --chain-id and marks a budget at or past its limit as exceeded', async () => {
    const report = await buildBudgetReport({
      budgets,
      ledger,
      configDir: '/c',
      chainId: 'run-7',
      project: 'default',
      now,
    });
    expect(report.budgets[2]).toMatchObject({
      spendScope: 'chain:run-7',
      spentUsd: 2.5,
      percent: 125,
      state: 'exceeded',
    });
  });

  it('renders an aligned line per budget with a bar', async () => {
    const report = await buildBudgetReport({
      budgets,
      ledger,
      configDir: '/c',
      chainId: undefined,
      project: 'default',
      now,
    });
    const text = renderBudgetReport(report, { unicode: false });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^budget +period +mode +spent +limit +use +% +state +resets in$/);
    expect(lines[1]).toBe(
      'global        daily                   hard  $8.50  $10.00  [#################...]      85.0%  alert  3h 0m (2026-11-26T00:00:00Z)',
    );
    expect(lines[3]).toContain('-');
    expect(lines[3]).toContain('per chain');
    expect(text).toContain('add --chain-id ID to see one chain');
    expect(renderBudgetReport({ ...report, budgets: [] }, { unicode: false })).toBe(
      'No budgets: /c/policies.yaml has no budgets: entries.\n',
    );
    expect(
      renderBudgetReport({ ...report, budgets: [] }, { unicode: false, policiesFileExists: false }),
    ).toBe(
      'No budgets: there is no policies.yaml in /c. Add one with budgets: entries (see docs/configuration.md), ' +
        'or write a config with budgets: llm-service init --template cost-optimized --dir DIR\n',
    );
  });

  it('draws bars capped at full, empty for unknown spend', () => {
    expect(bar(50, 10, true)).toBe('█████░░░░░');
    expect(bar(250, 4, false)).toBe('####');
    expect(bar(null, 3, false)).toBe('   ');
  });
});

/** Readings and holds as PlanWindowsV1 hands them out; only what the report reads. */
function planWindows(readings: PlanWindowObservation[], holds: ToolHoldV1[]): PlanWindowsV1 {
  return {
    specificationVersion: 'v1',
    record: () => Promise.reject(new Error('not used')),
    latest: async () => readings,
    history: async () => readings,
    hold: () => Promise.reject(new Error('not used')),
    heldUntil: async (tool, at) =>
      holds.find((hold) => hold.tool === tool && Date.parse(hold.until) > (at ?? new Date()).getTime()),
  };
}

describe('the plan windows of the budget report', () => {
  const reading = (tool: string, window: string, extra: Partial<PlanWindowObservation>) => ({
    tool,
    window,
    status: 'allowed' as const,
    observedAt: '2026-11-25T20:55:00.000Z',
    ...extra,
  });
  const readings = [
    reading('codex', 'primary', { utilization: 0.2, resetsAt: '2026-11-26T01:00:00.000Z' }),
    reading('claude', 'seven_day', { utilization: 0.41, resetsAt: '2026-11-30T09:00:00.000Z' }),
    reading('claude', 'five_hour', {
      status: 'rejected',
      utilization: 1,
      resetsAt: '2026-11-25T22:12:00.000Z',
      observedAt: '2026-11-25T20:00:00.000Z',
    }),
  ];
  const hold = { tool: 'claude', until: '2026-11-25T22:12:00.000Z', reason: 'rejected', window: 'five_hour' };
  const report = () =>
    buildBudgetReport({
      budgets: [],
      ledger,
      configDir: '/c',
      chainId: undefined,
      project: 'default',
      now,
      planWindows: planWindows(readings, [hold]),
    });

  it("lists every reading by tool and window with its age and its tool's hold", async () => {
    const { windows } = await report();
    expect(windows?.map((window) => [window.tool, window.window, window.ageMs, window.hold?.until])).toEqual([
      ['claude', 'five_hour', 3_600_000, '2026-11-25T22:12:00.000Z'],
      ['claude', 'seven_day', 300_000, '2026-11-25T22:12:00.000Z'],
      ['codex', 'primary', 300_000, undefined],
    ]);
    expect(windows?.[2]).not.toHaveProperty('hold');
  });

  it('draws each window as a gauge beside the budgets, in local time, naming subscription tools never observed', async () => {
    const text = renderBudgetReport(await report(), {
      unicode: false,
      timeZone: 'UTC',
      subscriptionTools: ['claude', 'gemini'],
    });
    expect(text.split('\n')).toEqual([
      'No budgets: /c/policies.yaml has no budgets: entries.',
      '',
      'plan window    use                        %  status    resets                        observed   hold',
      'claude 5-hour  [####################]  100%  rejected  22:12 (in 1h 12m)             1h 0m ago  held until 22:12 (in 1h 12m)',
      'claude weekly  [########............]   41%            Mon 30 Nov 09:00 (in 4d 12h)  5m ago     held until 22:12 (in 1h 12m)',
      'codex primary  [####................]   20%            Thu 26 Nov 01:00 (in 4h 0m)   5m ago',
      '',
      'No plan window observed yet for gemini (billed by subscription): each run reports it.',
      '',
    ]);
  });

  it('says a window has reset since its reading, and draws an unknown use as empty', async () => {
    const text = renderBudgetReport(
      {
        ...(await report()),
        windows: [
          { ...reading('claude', 'five_hour', { resetsAt: '2026-11-25T20:30:00.000Z' }), ageMs: 300_000 },
        ],
      },
      { unicode: false, timeZone: 'UTC' },
    );
    expect(text).toContain('claude 5-hour  [                    ]  -          reset since 30m ago  5m ago\n');
  });
});
