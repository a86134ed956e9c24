import { describe, expect, it } from 'vitest';
import { budgetSchema } from '../policies-schema.js';
import { BudgetReplay } from './budget-replay.js';

const budgets = (...entries: unknown[]) => entries.map((entry) => budgetSchema.parse(entry));
const primary = { tool: 'primary', model: 'model-a', reason: 'preferred' as const };
const writerAt = (at: string, chainId = 'run-1') => ({
  project: 'default',
  agent: 'writer',
  chainId,
  at: new Date(at),
});

describe('replaying hard budgets', () => {
  it('blocks what would exceed a daily limit, and starts again at midnight UTC', () => {
    const replay = new BudgetReplay(
      budgets({ scope: 'global', period: 'daily', limit_usd: 2, mode: 'hard' }),
    );
    expect(replay.charge(primary, writerAt('2026-11-25T09:00:00Z'), 1)).toBe(true);
    expect(replay.charge(primary, writerAt('2026-11-25T12:00:00Z'), 1)).toBe(true);
    expect(replay.charge(primary, writerAt('2026-11-25T23:59:59Z'), 0.5)).toBe(false);
    expect(replay.charge(primary, writerAt('2026-11-26T00:00:00Z'), 2)).toBe(true);
  });

  it('charges nothing for a blocked request, so a cheaper one still fits', () => {
    const replay = new BudgetReplay(
      budgets({ scope: 'agent:writer', period: 'monthly', limit_usd: 1, mode: 'hard' }),
    );
    expect(replay.charge(primary, writerAt('2026-11-01T00:00:00Z'), 0.75)).toBe(true);
    expect(replay.charge(primary, writerAt('2026-11-02T00:00:00Z'), 0.5)).toBe(false);
    expect(replay.charge(primary, writerAt('2026-11-03T00:00:00Z'), 0.25)).toBe(true);
    // Another agent is outside the budget.
    expect(replay.charge(primary, { ...writerAt('2026-11-04T00:00:00Z'), agent: 'planner' }, 5)).toBe(true);
  });

  it('gives each chain its own allowance, and ignores soft budgets (they only warn)', () => {
    const replay = new BudgetReplay(
      budgets(
        { scope: 'chain', period: 'daily', limit_usd: 1, mode: 'hard' },
        { scope: 'global', period: 'daily', limit_usd: 0.1, mode: 'soft' },
      ),
    );
    expect(replay.charge(primary, writerAt('2026-11-25T09:00:00Z', 'run-1'), 1)).toBe(true);
    expect(replay.charge(primary, writerAt('2026-11-25T09:01:00Z', 'run-1'), 0.01)).toBe(false);
    expect(replay.charge(primary, writerAt('2026-11-25T09:02:00Z', 'run-2'), 1)).toBe(true);
    expect(
      new BudgetReplay(budgets({ scope: 'global', period: 'daily', limit_usd: 1, mode: 'soft' })).active,
    ).toBe(false);
  });

  it('follows a budget’s time zone and the tool or model it names', () => {
    const replay = new BudgetReplay(
      budgets(
        { scope: 'model:model-a', period: 'daily', limit_usd: 1, mode: 'hard', timezone: 'America/New_York' },
        { scope: 'tool:other', period: 'daily', limit_usd: 0.01, mode: 'hard' },
      ),
    );
    // 03:00 UTC on the 26th is still the 25th in New York; 05:00 UTC is the 26th there.
    expect(replay.charge(primary, writerAt('2026-11-25T15:00:00Z'), 1)).toBe(true);
    expect(replay.charge(primary, writerAt('2026-11-26T03:00:00Z'), 1)).toBe(false);
    expect(replay.charge(primary, writerAt('2026-11-26T05:00:00Z'), 1)).toBe(true);
  });
});
