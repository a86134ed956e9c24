import { describe, expect, it } from 'vitest';
import { parseBudgetScope, policiesFileSchema } from './policies-schema.js';

const parse = (value: unknown) => policiesFileSchema.safeParse(value);
const issuePaths = (value: unknown) => {
  const result = parse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
};

describe('policies.yaml schema', () => {
  it('accepts the example of DESIGN section 2 and fills defaults', () => {
    const result = parse({
      version: 1,
      budgets: [
        { scope: 'global', period: 'daily', limit_usd: 10, alert_at_percent: 80, mode: 'hard' },
        { scope: 'agent:backend-dev', period: 'monthly', limit_usd: 50, mode: 'soft' },
        { scope: 'chain', period: 'daily', limit_usd: 2 },
        { scope: 'model:qwen2.5:7b', period: 'weekly', limit_usd: 0.5, timezone: 'Europe/Berlin' },
      ],
      cost_optimization: {
        enabled: true,
        simple_task_threshold_tokens: 1500,
        simple_task_models: ['claude-haiku-4-5'],
        task_type_models: { docs: 'claude-haiku-4-5' },
      },
    });
    expect(result.success).toBe(true);
    expect(result.data?.budgets?.[2]?.mode).toBe('hard');
    expect(result.data?.budgets?.[1]?.mode).toBe('soft');
  });

  it('accepts the minimal file (what an absent policies.yaml is parsed as)', () => {
    const result = parse({ version: 1 });
    expect(result.success).toBe(true);
    expect(result.data).toEqual({ version: 1 });
  });

  it('defaults the lists of cost_optimization', () => {
    expect(parse({ version: 1, cost_optimization: { enabled: false } }).data?.cost_optimization).toEqual({
      enabled: false,
      simple_task_models: [],
      task_type_models: {},
    });
  });

  it('refuses other versions and unknown keys', () => {
    expect(issuePaths({ version: 2 })).toEqual(['version']);
    expect(issuePaths({ version: 1, budget: [] })).toEqual(['']);
    expect(
      issuePaths({ version: 1, budgets: [{ scope: 'global', period: 'daily', limit_usd: 1, limit: 2 }] }),
    ).toEqual(['budgets.0']);
    expect(issuePaths({ version: 1, cost_optimization: { enabled: true, threshold: 3 } })).toEqual([
      'cost_optimization',
    ]);
  });

  it.each([
    ['scope', 'agent:'],
    ['scope', 'agents:x'],
    ['scope', 'global:x'],
    ['scope', 'team:x'],
    ['scope', 'agent: x'],
    ['period', 'yearly'],
    ['limit_usd', 0],
    ['limit_usd', -1],
    ['limit_usd', '10'],
    ['alert_at_percent', 0],
    ['alert_at_percent', 101],
    ['mode', 'strict'],
    ['timezone', 'Mars/Olympus_Mons'],
  ])('refuses budget %s %j', (field, value) => {
    const budget = { scope: 'global', period: 'daily', limit_usd: 1, [field]: value };
    expect(issuePaths({ version: 1, budgets: [budget] })).toEqual([`budgets.0.${field}`]);
  });

  it('requires scope, period and limit_usd', () => {
    expect(issuePaths({ version: 1, budgets: [{}] }).sort()).toEqual([
      'budgets.0.limit_usd',
      'budgets.0.period',
      'budgets.0.scope',
    ]);
  });

  it('refuses a fractional token threshold and a missing enabled flag', () => {
    expect(
      issuePaths({ version: 1, cost_optimization: { enabled: true, simple_task_threshold_tokens: 1.5 } }),
    ).toEqual(['cost_optimization.simple_task_threshold_tokens']);
    expect(issuePaths({ version: 1, cost_optimization: {} })).toEqual(['cost_optimization.enabled']);
  });
});

describe('policies.yaml plan_limits and budget count', () => {
  it('accepts plan-limit rules with every action, and budgets count api spend unless they say all', () => {
    const result = parse({
      version: 1,
      budgets: [
        { scope: 'global', period: 'daily', limit_usd: 10 },
        { scope: 'tool:claude', period: 'monthly', limit_usd: 200, count: 'all' },
      ],
      plan_limits: [
        { tool: 'claude', window: 'five_hour', above: 0.9, action: 'reroute' },
        { tool: 'claude', window: 'seven_day', above: 0.8, action: 'warn', max_age_minutes: 240 },
        { tool: 'codex', window: 'primary', above: 1, action: 'defer' },
        { tool: 'codex', window: 'secondary', above: 0, action: 'block' },
      ],
    });
    expect(result.success).toBe(true);
    expect(result.data?.budgets?.map((budget) => budget.count)).toEqual(['api', 'all']);
    expect(result.data?.plan_limits?.[1]).toEqual({
      tool: 'claude',
      window: 'seven_day',
      above: 0.8,
      action: 'warn',
      max_age_minutes: 240,
    });
  });

  it.each([
    ['above', 1.5],
    ['above', -0.1],
    ['above', '90%'],
    ['action', 'skip'],
    ['max_age_minutes', 0],
    ['tool', ''],
    ['window', ''],
    ['windw', 'five_hour'],
  ])('refuses plan_limits %s %j', (field, value) => {
    const rule = { tool: 'claude', window: 'five_hour', above: 0.9, action: 'warn', [field]: value };
    expect(issuePaths({ version: 1, plan_limits: [rule] })).toEqual([
      field === 'windw' ? 'plan_limits.0' : `plan_limits.0.${field}`,
    ]);
  });

  it('requires tool, window, above and action, and refuses a budget count other than api or all', () => {
    expect(issuePaths({ version: 1, plan_limits: [{}] }).sort()).toEqual([
      'plan_limits.0.above',
      'plan_limits.0.action',
      'plan_limits.0.tool',
      'plan_limits.0.window',
    ]);
    expect(
      issuePaths({
        version: 1,
        budgets: [{ scope: 'global', period: 'daily', limit_usd: 1, count: 'subscription' }],
      }),
    ).toEqual(['budgets.0.count']);
  });

  it('says what a share of the window is when above is out of range', () => {
    const result = parse({
      version: 1,
      plan_limits: [{ tool: 'claude', window: 'five_hour', above: 90, action: 'warn' }],
    });
    expect(result.error?.issues[0]?.message).toBe(
      'expected a share of the window from 0 to 1, e.g. 0.9 for 90%',
    );
  });
});

describe('parseBudgetScope', () => {
  it('splits at the first colon', () => {
    expect(parseBudgetScope('global')).toEqual({ kind: 'global' });
    expect(parseBudgetScope('chain')).toEqual({ kind: 'chain' });
    expect(parseBudgetScope('agent:architect')).toEqual({ kind: 'agent', name: 'architect' });
    expect(parseBudgetScope('model:qwen2.5:7b')).toEqual({ kind: 'model', name: 'qwen2.5:7b' });
    expect(parseBudgetScope('tool:')).toBeUndefined();
    expect(parseBudgetScope('chain:x')).toBeUndefined();
  });
});
