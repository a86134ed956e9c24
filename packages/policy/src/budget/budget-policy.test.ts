import { describe, expect, it } from 'vitest';
import type {
  Billing,
  Candidate,
  PolicyContext,
  PolicyDecision,
  Reservation,
  ReserveOutcome,
  ResolvedConfig,
  SpendLedgerV1,
  SpendLimit,
} from '@llm-service/spec';
import { policiesFileSchema, type PoliciesFile } from '../policies-schema.js';
import { BudgetPolicy } from './budget-policy.js';

/**
 * An in-memory ledger with the semantics of SpendLedgerV1 (one period: everything counts). `spentBy` is api spend,
 * `subscriptionSpentBy` subscription spend at list price: a limit or read with `count: all` sees both.
 */
class FakeLedger implements SpendLedgerV1 {
  readonly specificationVersion = 'v1' as const;
  spentBy: Record<string, number> = {};
  subscriptionSpentBy: Record<string, number> = {};
  held = new Map<string, Reservation>();
  settled: { id: string; actualUsd: number }[] = [];
  released: string[] = [];
  /** What `spent` was asked, with its count. */
  reads: { scope: string; count: string | undefined }[] = [];
  /** The billing of each reserve call. */
  reservedBilling: (Billing | undefined)[] = [];
  #next = 0;
  #spent(scope: string, count: 'api' | 'all' | undefined): number {
    // As the contract says, `spent` without a count counts everything (as before billing existed).
    return (this.spentBy[scope] ?? 0) + (count === 'api' ? 0 : (this.subscriptionSpentBy[scope] ?? 0));
  }
  async spent(scope: string, _period: unknown, options?: { count?: 'api' | 'all' }): Promise<number> {
    this.reads.push({ scope, count: options?.count });
    return this.#spent(scope, options?.count);
  }
  async reserve(request: {
    scopes: readonly string[];
    estimateUsd: number;
    limits: readonly SpendLimit[];
    billing?: Billing;
  }): Promise<ReserveOutcome> {
    this.reservedBilling.push(request.billing);
    for (const limit of request.limits) {
      // A subscription attempt counts only against `count: all` limits, as the contract says.
      if (request.billing === 'subscription' && limit.count !== 'all') continue;
      const spentUsd = this.#spent(limit.scope, limit.count ?? 'api');
      const reservedUsd = [...this.held.values()]
        .filter((hold) => hold.scopes.includes(limit.scope))
        .filter((hold) => limit.count === 'all' || hold.billing !== 'subscription')
        .reduce((sum, hold) => sum + hold.estimateUsd, 0);
      if (spentUsd + reservedUsd + request.estimateUsd > limit.limitUsd + 1e-9)
        return { ok: false, limit, spentUsd, reservedUsd };
    }
    const reservation: Reservation = {
      id: `r${++this.#next}`,
      scopes: request.scopes,
      estimateUsd: request.estimateUsd,
      pid: 1,
      ...(request.billing ? { billing: request.billing } : {}),
    };
    this.held.set(reservation.id, reservation);
    return { ok: true, reservation };
  }
  async settle(reservation: Reservation, actualUsd: number): Promise<void> {
    this.held.delete(reservation.id);
    this.settled.push({ id: reservation.id, actualUsd });
  }
  async release(reservation: Reservation): Promise<void> {
    this.held.delete(reservation.id);
    this.released.push(reservation.id);
  }
}

const candidate: Candidate = { tool: 'primary', model: 'model-a', reason: 'preferred' };
const fallback: Candidate = { tool: 'backup', model: 'model-b', reason: 'fallback' };
/** A tool paid by subscription, on the same priced model as `primary`. */
const subscribed: Candidate = { tool: 'plan', model: 'model-a', reason: 'preferred' };

function setup(budgets: unknown[], options: { outputTokens?: number } = {}) {
  const ledger = new FakeLedger();
  const config = {
    dir: '/config',
    project: 'default',
    tools: {
      primary: { billing: 'api', models: ['model-a'] },
      backup: { billing: 'api', models: ['model-b'] },
      plan: { billing: 'subscription', models: ['model-a'] },
    },
    models: {
      // One token of prompt costs $1; output is priced separately.
      'model-a': { input_per_mtok: 1_000_000, output_per_mtok: 2_000_000 },
      'model-b': { input_per_mtok: 100_000, output_per_mtok: 0 },
    },
    files: {
      'policies.yaml': policiesFileSchema.parse({
        version: 1,
        budgets,
        estimate: { default_output_tokens: options.outputTokens ?? 0 },
      }),
    },
  } as unknown as ResolvedConfig;
  const policy = new BudgetPolicy({
    policies: config.files['policies.yaml'] as PoliciesFile,
    ledger: () => ledger,
    // Every character is one token, so the tests control the estimate exactly.
    counter: () => (text: string) => text.length,
    now: () => new Date('2026-11-25T21:00:00Z'),
  });
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
    ...overrides,
  });
  /** What the kernel's gate makes of the two steps: evaluate, then (unless blocked) reserve on the same candidate. */
  const admit = async (on: Candidate, given: PolicyContext): Promise<PolicyDecision> => {
    const decision = await policy.evaluate(on, given);
    if (decision.action === 'block') return decision;
    const reservation = await policy.reserve(on, given);
    if (reservation?.action === 'block') return reservation;
    if (reservation?.warning === undefined) return decision;
    if (decision.action === 'allow') return { action: 'warn', message: reservation.warning };
    return decision;
  };
  return { ledger, policy, context, admit };
}

const hardGlobal = { scope: 'global', period: 'daily', limit_usd: 5 };

describe('the budget policy', () => {
  it('allows without estimating when no budget applies and no cap is set', async () => {
    const { admit, context, ledger } = setup([{ scope: 'agent:other', period: 'daily', limit_usd: 1 }]);
    expect(await admit(candidate, context())).toEqual({ action: 'allow' });
    expect(ledger.held.size).toBe(0);
  });

  it('estimates prompt and expected output tokens at the candidate model prices', async () => {
    const { policy, context } = setup([], { outputTokens: 2 });
    expect(await policy.estimate(candidate, context({ prompt: new TextEncoder().encode('abc') }))).toEqual({
      inputTokens: 3,
      outputTokens: 2,
      costUsd: 7,
      output: { source: 'default', tokens: 2 },
    });
  });

  it('reserves the estimate under a hard budget, five of $1 fit in $5, the sixth is blocked with the ways out', async () => {
    const { admit, context, ledger } = setup([hardGlobal]);
    for (let index = 0; index < 5; index++)
      expect(await admit(candidate, context({ invocationId: `inv-${index}` }))).toEqual({
        action: 'allow',
      });
    expect(ledger.held.size).toBe(5);
    const decision = await admit(candidate, context({ invocationId: 'inv-6' }));
    expect(decision).toEqual({
      action: 'block',
      message:
        "hard daily budget 'global' would be exceeded: spent $0.00 (+ $5.00 held by requests running now) of $5.00, and this request is estimated at $1.00" +
        ' (1 prompt tokens + 0 expected output tokens: the default of estimate.default_output_tokens)',
      hints: [
        "raise limit_usd of budgets[0] ('global') in /config/policies.yaml",
        'or run it anyway with --force --reason "why" (the reason is recorded)',
        'or wait until the daily period resets at 2026-11-26T00:00:00Z (in 3h 0m)',
      ],
      endsRequest: true,
    });
  });

  it('ends the request for global, agent and chain budgets, and moves on for tool and model budgets', async () => {
    const cases: [string, boolean][] = [
      ['global', true],
      ['agent:writer', true],
      ['chain', true],
      ['tool:primary', false],
      ['model:model-a', false],
    ];
    for (const [scope, endsRequest] of cases) {
      const { admit, context, ledger } = setup([{ scope, period: 'monthly', limit_usd: 0.5 }]);
      const decision = await admit(candidate, context());
      expect(decision).toMatchObject({ action: 'block', endsRequest });
      expect(ledger.held.size).toBe(0);
    }
  });

  it('keeps each chain on its own allowance', async () => {
    const { admit, context, ledger } = setup([{ scope: 'chain', period: 'daily', limit_usd: 1 }]);
    expect((await admit(candidate, context({ invocationId: 'a', chainId: 'c1' }))).action).toBe('allow');
    expect((await admit(candidate, context({ invocationId: 'b', chainId: 'c1' }))).action).toBe('block');
    expect((await admit(candidate, context({ invocationId: 'c', chainId: 'c2' }))).action).toBe('allow');
    expect([...ledger.held.values()].map((hold) => hold.scopes.at(-1))).toEqual(['chain:c1', 'chain:c2']);
  });

  it('counts spend already recorded and reports the strictest budget first', async () => {
    const { admit, context, ledger } = setup([
      { scope: 'tool:primary', period: 'daily', limit_usd: 100 },
      { scope: 'agent:writer', period: 'weekly', limit_usd: 10 },
    ]);
    ledger.spentBy['agent:writer'] = 9.5;
    const decision = await admit(candidate, context());
    expect(decision).toMatchObject({ action: 'block', endsRequest: true });
    expect(decision.action === 'block' && decision.message).toContain(
      "hard weekly budget 'agent:writer' would be exceeded: spent $9.50 of $10.00",
    );
  });

  it('lets --force --reason through a hard budget, still holding the estimate, and says so', async () => {
    const { admit, context, ledger } = setup([{ ...hardGlobal, limit_usd: 0.5 }]);
    const decision = await admit(candidate, context({ force: { reason: 'release day' } }));
    expect(decision.action).toBe('warn');
    expect(decision.action === 'warn' && decision.message).toMatch(
      /^forced past: .* \(reason: release day\)$/,
    );
    expect(ledger.held.size).toBe(1);
  });

  it('asks about a soft budget past its alert threshold, and only warns for a hard one', async () => {
    const soft = setup([
      { scope: 'global', period: 'daily', limit_usd: 10, alert_at_percent: 80, mode: 'soft' },
    ]);
    soft.ledger.spentBy.global = 6.9;
    expect((await soft.admit(candidate, soft.context())).action).toBe('allow');
    soft.ledger.spentBy.global = 7;
    const decision = await soft.admit(candidate, soft.context({ invocationId: 'two' }));
    expect(decision).toEqual({
      action: 'confirm',
      message:
        "soft daily budget 'global': spent $7.00 of $10.00; with this request's estimate of $1.00 that is 80% (alert at 80%)",
    });
    // A soft budget never blocks, even far past its limit.
    soft.ledger.spentBy.global = 50;
    expect((await soft.admit(candidate, soft.context({ invocationId: 'three' }))).action).toBe('confirm');

    const hard = setup([{ ...hardGlobal, limit_usd: 10, alert_at_percent: 50 }]);
    hard.ledger.spentBy.global = 5;
    expect((await hard.admit(candidate, hard.context())).action).toBe('warn');
  });

  it('asks about a soft budget without alert_at_percent once the request would pass its limit', async () => {
    const { admit, context, ledger } = setup([
      { scope: 'global', period: 'monthly', limit_usd: 10, mode: 'soft' },
    ]);
    ledger.spentBy.global = 8.99;
    expect((await admit(candidate, context())).action).toBe('allow');
    ledger.spentBy.global = 9;
    expect((await admit(candidate, context({ invocationId: 'b' }))).action).toBe('confirm');
  });

  it('blocks an estimate above --max-cost-usd on this candidate only', async () => {
    const { admit, context } = setup([]);
    expect(await admit(candidate, context({ maxCostUsd: 0.5 }))).toEqual({
      action: 'block',
      message:
        'primary:model-a is estimated at $1.00, above --max-cost-usd $0.50 ' +
        '(1 prompt tokens + 0 expected output tokens: the default of estimate.default_output_tokens)',
      hints: ['raise --max-cost-usd, or shorten the prompt'],
      endsRequest: false,
    });
    expect(await admit(fallback, context({ maxCostUsd: 0.5 }))).toEqual({ action: 'allow' });
  });

  it('settles a hold at the cost the kernel hands it, and releases one that cost nothing', async () => {
    const { policy, context, ledger } = setup([hardGlobal]);
    const first = await policy.reserve(candidate, context());
    const second = await policy.reserve(fallback, context({ invocationId: 'inv-2' }));
    expect([...ledger.held.values()].map((hold) => hold.estimateUsd)).toEqual([1, 0.1]);
    if (first?.action !== 'hold' || second?.action !== 'hold') throw new Error('expected two holds');
    const usage = { inputTokens: 7, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    await policy.settle(first.hold, { outcome: 'failed', usage, costUsd: 0.07, costSource: 'tool' });
    await policy.release(second.hold);
    expect(ledger.settled).toEqual([{ id: 'r1', actualUsd: 0.07 }]);
    expect(ledger.released).toEqual(['r2']);
    expect(ledger.held.size).toBe(0);
  });

  it('holds nothing when no budget applies', async () => {
    const { policy, context, ledger } = setup([{ scope: 'agent:other', period: 'daily', limit_usd: 1 }]);
    expect(await policy.reserve(candidate, context())).toBeUndefined();
    expect(ledger.held.size).toBe(0);
  });

  it('leaves a subscription tool out of api-only budgets: no alert, no limit, nothing held', async () => {
    const { admit, policy, context, ledger } = setup([
      { ...hardGlobal, limit_usd: 0.5 },
      { scope: 'agent:writer', period: 'daily', limit_usd: 10, alert_at_percent: 1, mode: 'soft' },
    ]);
    // $1 against a $0.50 hard limit, and past a soft alert: an api tool is blocked...
    expect((await admit(candidate, context())).action).toBe('block');
    // ...a subscription one runs, without a question, and without any reservation.
    expect(await admit(subscribed, context())).toEqual({ action: 'allow' });
    expect(await policy.reserve(subscribed, context())).toBeUndefined();
    expect(ledger.held.size).toBe(0);
    expect(await policy.preview(subscribed, context())).toEqual({ action: 'allow' });
  });

  it('counts a subscription tool against a count: all budget, telling the ledger both the count and the billing', async () => {
    const { admit, context, ledger } = setup([{ ...hardGlobal, limit_usd: 2, count: 'all' }]);
    ledger.subscriptionSpentBy.global = 1.5;
    const decision = await admit(subscribed, context());
    expect(decision).toMatchObject({ action: 'block', endsRequest: true });
    expect(decision.action === 'block' && decision.message).toContain('spent $1.50 of $2.00');
    expect(ledger.reservedBilling).toEqual(['subscription']);
    // The same budget with spend read as api only: the subscription's $1.50 does not count, so $1 fits in $2.
    const apiOnly = setup([{ ...hardGlobal, limit_usd: 2 }]);
    apiOnly.ledger.subscriptionSpentBy.global = 1.5;
    expect(await apiOnly.admit(candidate, apiOnly.context())).toEqual({ action: 'allow' });
    expect(apiOnly.ledger.reservedBilling).toEqual(['api']);
  });

  it("reads spend for alerts and previews with each budget's count", async () => {
    const { policy, context, ledger } = setup([
      { scope: 'global', period: 'daily', limit_usd: 10, alert_at_percent: 50, mode: 'hard' },
      { scope: 'agent:writer', period: 'daily', limit_usd: 10, alert_at_percent: 50, count: 'all' },
    ]);
    ledger.subscriptionSpentBy.global = 8;
    ledger.subscriptionSpentBy['agent:writer'] = 8;
    const decision = await policy.evaluate(candidate, context());
    // Only the count: all budget sees the subscription's $8 and alerts.
    expect(decision.action === 'warn' && decision.message).toMatch(/^hard daily budget 'agent:writer'/);
    expect(ledger.reads).toEqual([
      { scope: 'global', count: 'api' },
      { scope: 'agent:writer', count: 'all' },
    ]);
    ledger.reads.length = 0;
    await policy.preview(candidate, context());
    expect(ledger.reads.every((read) => read.count !== undefined)).toBe(true);
  });
});
