import { describe, expect, it } from 'vitest';
import type { SpendLedgerV1, SpendPeriod } from '@llm-service/spec';
import { policiesFileSchema } from '../policies-schema.js';
import { bar, buildBudgetReport, renderBudgetReport } from './budget-report.js';

const spentBy: Record<string, number> = { global: 8.5, 'agent:writer': 1.25, 'chain:run-7': 2.5 };
const asked: [string, SpendPeriod, string | undefined][] = [];
const ledger: SpendLedgerV1 = {
  specificationVersion: 'v1',
  spent: async (scope, period, options) => {
    asked.push([scope, period, options?.timezone]);
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
    { scope: 'model:opus', period: 'weekly', limit_usd: 20, timezone: 'Europe/Berlin' },
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
