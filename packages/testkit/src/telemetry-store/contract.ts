/**
 * The behaviour every TelemetryStoreV1 must have, as one suite a store's own tests run against a fresh store per
 * test. Written against the spec only; free of any test framework (the caller passes its `describe`, `it` and hooks;
 * assertions are node's), so the testkit does not depend on one at run time.
 */
import { deepStrictEqual, equal, ok, rejects } from 'node:assert/strict';
import type {
  AttemptRowV1,
  AttemptWriteV1,
  Billing,
  HeldReservationV1,
  InvocationFilter,
  LimitCheckV1,
  ReserveOutcome,
  SpendLimit,
  StoreReserveRequestV1,
  TelemetryStoreV1,
} from '@llm-service/spec';

/** A store to test, and how to dispose of it. */
export interface ContractStore {
  store: TelemetryStoreV1;
  /**
   * Opens another store on the same location, as another process (or machine) would; the suite closes it. Stores
   * that can be shared must give it: the concurrency and prompt-key tests use it.
   */
  openAnother?(): Promise<TelemetryStoreV1>;
  cleanup(): Promise<void>;
}

type Body = () => void | Promise<void>;

/** The parts of a test framework the suite needs (vitest's and jest's fit as they are). */
export interface ContractFramework {
  describe(name: string, body: () => void): void;
  it(name: string, body: Body, timeout?: number): void;
  beforeEach(body: Body): void;
  afterEach(body: Body): void;
}

/** An instant of the tests' day (2026-03-01, UTC) at a time `HH:MM`. */
const at = (time: string): string => `2026-03-01T${time}:00.000Z`;
const dayStart = new Date(at('00:00'));
const dayEnd = new Date('2026-03-02T00:00:00.000Z');
const now = new Date(at('12:00'));

/** A complete attempt row with plain defaults: a successful, computed-cost attempt of project `alpha`. */
export function attemptRowForTests(
  overrides: Partial<AttemptRowV1> & { invocationId: string },
): AttemptRowV1 {
  return {
    chainId: 'chain-1',
    attempt: 1,
    startedAt: at('10:00'),
    finishedAt: at('10:01'),
    project: 'alpha',
    taskId: null,
    agent: 'coder',
    taskType: null,
    tool: 'claude',
    model: 'sonnet',
    reason: 'primary',
    status: 'success',
    errorKind: null,
    message: null,
    inputTokens: 100,
    outputTokens: 50,
    cacheReadTokens: 10,
    cacheWriteTokens: 5,
    costUsd: 0.1,
    costSource: 'computed',
    computedCostUsd: 0.1,
    priceHash: 'prices-1',
    baselineModel: null,
    baselineCostUsd: null,
    latencyMs: 1_000,
    exitCode: 0,
    sessionId: null,
    turns: null,
    promptHash: null,
    promptTokensEstimate: null,
    forceReason: null,
    pid: 4242,
    billing: 'api',
    answer: null,
    ...overrides,
  };
}

const end = (row: AttemptRowV1): AttemptWriteV1 => ({ kind: 'end', row });
const running = (overrides: Partial<AttemptRowV1> & { invocationId: string }): AttemptRowV1 =>
  attemptRowForTests({
    finishedAt: null,
    status: 'running',
    costUsd: null,
    costSource: null,
    computedCostUsd: null,
    latencyMs: null,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    exitCode: null,
    ...overrides,
  });

const holder = { pid: 4242, host: 'test-host', namespace: 'pid:[4026531836]', startTime: '12345' };

function limit(scope: string, limitUsd: number, billings: readonly Billing[] = ['api']): LimitCheckV1 {
  const spendLimit: SpendLimit = { scope, period: 'daily', limitUsd };
  return { limit: spendLimit, start: dayStart, end: dayEnd, billings };
}

let reservationNumber = 0;
function reserveRequest(
  overrides: Partial<StoreReserveRequestV1> & { checks: readonly LimitCheckV1[] },
): StoreReserveRequestV1 {
  reservationNumber += 1;
  return {
    id: `reservation-${reservationNumber}`,
    scopes: overrides.checks.map((check) => check.limit.scope),
    estimateUsd: 1,
    billing: 'api',
    holder,
    now,
    expiresAt: new Date(now.getTime() + 2 * 60 * 60 * 1000),
    leaseUntil: new Date(now.getTime() + 60_000),
    isExpired: () => false,
    ...overrides,
  };
}

const ids = (rows: readonly { invocationId: string }[]) => rows.map((row) => row.invocationId);

/** Registers the suite; `makeStore` is called before each test and its `cleanup` after it. */
export function telemetryStoreContract(
  name: string,
  makeStore: () => Promise<ContractStore>,
  framework: ContractFramework,
): void {
  const { describe, it, beforeEach, afterEach } = framework;

  describe(`TelemetryStoreV1 contract: ${name}`, () => {
    let current: ContractStore;
    let store: TelemetryStoreV1;
    const others: TelemetryStoreV1[] = [];
    const another = async (): Promise<TelemetryStoreV1 | undefined> => {
      const opened = await current.openAnother?.();
      if (opened) others.push(opened);
      return opened;
    };

    beforeEach(async () => {
      current = await makeStore();
      store = current.store;
    });
    afterEach(async () => {
      for (const other of others.splice(0)) await other.close();
      await current.cleanup();
    });

    describe('recording', () => {
      it('keeps one row an attempt: its end replaces its start, timestamps read back as written', async () => {
        const ended = attemptRowForTests({ invocationId: 'a', answer: 'the answer', promptHash: 'keyed' });
        await store.write([{ kind: 'start', row: running({ invocationId: 'a' }) }]);
        await store.write([end(ended)]);
        deepStrictEqual(await store.exportAttempts(undefined, 10), [ended]);
        const [row] = await store.invocations({});
        equal(row?.status, 'success');
        equal(row?.startedAt, at('10:00'));
        equal(row?.finishedAt, at('10:01'));
        equal(row?.pid, 4242);
      });

      it('applies the writes of one batch in order, an attempt written twice in it included', async () => {
        const ended = attemptRowForTests({ invocationId: 'a', costUsd: 0.5 });
        await store.write([
          { kind: 'start', row: running({ invocationId: 'a' }) },
          end(attemptRowForTests({ invocationId: 'a' })),
          end(ended),
          { kind: 'start', row: running({ invocationId: 'a' }) },
          { kind: 'start', row: running({ invocationId: 'b' }) },
        ]);
        deepStrictEqual(await store.exportAttempts(undefined, 10), [ended, running({ invocationId: 'b' })]);
      });

      it('leaves an ended attempt as it is when its start is replayed after it', async () => {
        const ended = attemptRowForTests({ invocationId: 'a' });
        await store.write([end(ended)]);
        await store.write([{ kind: 'start', row: running({ invocationId: 'a' }) }]);
        deepStrictEqual(await store.exportAttempts(undefined, 10), [ended]);
      });

      it("keeps the start's billing when an end does not say, and api when neither did", async () => {
        await store.write([
          { kind: 'start', row: running({ invocationId: 'a', billing: 'subscription' }) },
          end(attemptRowForTests({ invocationId: 'b', billing: null })),
        ]);
        await store.write([end(attemptRowForTests({ invocationId: 'a', billing: null }))]);
        const rows = await store.exportAttempts(undefined, 10);
        deepStrictEqual(
          rows.map((row) => [row.invocationId, row.status, row.billing]),
          [
            ['a', 'success', 'subscription'],
            ['b', 'success', 'api'],
          ],
        );
      });

      it('writes a batch all or nothing', async () => {
        const bad = attemptRowForTests({ invocationId: 'b', status: 'exploded' as AttemptRowV1['status'] });
        await rejects(store.write([end(attemptRowForTests({ invocationId: 'a' })), end(bad)]));
        equal(await store.count(), 0);
        await store.write([end(attemptRowForTests({ invocationId: 'a' }))]);
        equal(await store.count(), 1);
      });
    });

    describe('reading attempts', () => {
      const rows = [
        attemptRowForTests({ invocationId: 'base', startedAt: at('09:00') }),
        attemptRowForTests({ invocationId: 'project', project: 'beta', startedAt: at('09:01') }),
        attemptRowForTests({ invocationId: 'task', taskId: 'T-1', startedAt: at('09:02') }),
        attemptRowForTests({ invocationId: 'agent', agent: 'reviewer', startedAt: at('09:03') }),
        attemptRowForTests({ invocationId: 'tool', tool: 'codex', startedAt: at('09:04') }),
        attemptRowForTests({ invocationId: 'model', model: 'haiku', startedAt: at('09:05') }),
        attemptRowForTests({ invocationId: 'type', taskType: 'review', startedAt: at('09:06') }),
        attemptRowForTests({ invocationId: 'chain', chainId: 'chain-2', startedAt: at('09:07') }),
        attemptRowForTests({ invocationId: 'failed', status: 'failed', startedAt: at('09:08') }),
        attemptRowForTests({ invocationId: 'late', startedAt: at('11:00') }),
      ];

      it('selects by each field of a filter, [since, until) included-excluded', async () => {
        await store.write(rows.map(end));
        const cases: [InvocationFilter, string[]][] = [
          [{ project: 'beta' }, ['project']],
          [{ taskId: 'T-1' }, ['task']],
          [{ agent: 'reviewer' }, ['agent']],
          [{ tool: 'codex' }, ['tool']],
          [{ model: 'haiku' }, ['model']],
          [{ taskType: 'review' }, ['type']],
          [{ chainId: 'chain-2' }, ['chain']],
          [{ status: 'failed' }, ['failed']],
          [{ since: new Date(at('09:07')), until: new Date(at('11:00')) }, ['failed', 'chain']],
          [{ project: 'alpha', agent: 'reviewer' }, ['agent']],
        ];
        for (const [filter, expected] of cases) {
          deepStrictEqual(ids(await store.invocations(filter)), expected, JSON.stringify(filter));
        }
      });

      it('orders newest first (oldest first with asc) and stops at the limit', async () => {
        await store.write(rows.map(end));
        deepStrictEqual(ids(await store.invocations({ limit: 2 })), ['late', 'failed']);
        deepStrictEqual(ids(await store.invocations({ limit: 2 }, 'asc')), ['base', 'project']);
        equal((await store.invocations({})).length, rows.length);
      });

      it('spans the first and last start a filter selects, null for none', async () => {
        equal(await store.span({}), null);
        await store.write(rows.map(end));
        deepStrictEqual(await store.span({ project: 'alpha' }), { first: at('09:00'), last: at('11:00') });
        equal(await store.span({ project: 'nobody' }), null);
      });

      it('counts every project and exports every attempt in key order, page by page', async () => {
        const attempts = [
          attemptRowForTests({ invocationId: 'b', attempt: 2 }),
          attemptRowForTests({ invocationId: 'a', attempt: 1, project: 'beta' }),
          attemptRowForTests({ invocationId: 'b', attempt: 1 }),
        ];
        await store.write(attempts.map(end));
        equal(await store.count(), 3);
        const first = await store.exportAttempts(undefined, 2);
        deepStrictEqual(
          first.map((row) => [row.invocationId, row.attempt]),
          [
            ['a', 1],
            ['b', 1],
          ],
        );
        const second = await store.exportAttempts({ invocationId: 'b', attempt: 1 }, 2);
        deepStrictEqual(second, [attempts[0]]);
        deepStrictEqual(await store.exportAttempts({ invocationId: 'b', attempt: 2 }, 2), []);
      });
    });

    describe('aggregates', () => {
      it('sums per column group, most expensive first, with estimated and unknown costs apart', async () => {
        await store.write(
          [
            attemptRowForTests({ invocationId: 's1', latencyMs: 100, costUsd: 0.5 }),
            attemptRowForTests({
              invocationId: 's2',
              latencyMs: 300,
              costUsd: 0.25,
              costSource: 'estimated',
            }),
            attemptRowForTests({
              invocationId: 'f1',
              status: 'failed',
              latencyMs: 9_000,
              costUsd: null,
              costSource: 'unknown',
              computedCostUsd: null,
            }),
            attemptRowForTests({ invocationId: 'h1', model: 'haiku', costUsd: 0.01, latencyMs: 50 }),
          ].map(end),
        );
        const rows = await store.aggregate({ filter: {}, groupBy: 'model' });
        deepStrictEqual(
          rows.map((row) => row.group),
          ['sonnet', 'haiku'],
        );
        deepStrictEqual(rows[0], {
          group: 'sonnet',
          invocations: 3,
          successes: 2,
          inputTokens: 300,
          outputTokens: 150,
          cacheReadTokens: 30,
          cacheWriteTokens: 15,
          costUsd: 0.75,
          estimatedCostUsd: 0.25,
          unknownCostInvocations: 1,
          averageLatencyMs: 200,
          p95LatencyMs: 300,
        });
      });

      it('takes the nearest-rank p95 of successful attempts (the ceil(0.95 n)-th)', async () => {
        const latencies = (count: number, prefix: string, model: string) =>
          Array.from({ length: count }, (_, index) =>
            attemptRowForTests({ invocationId: `${prefix}${index}`, model, latencyMs: (index + 1) * 10 }),
          );
        await store.write(
          [
            ...latencies(20, 'twenty-', 'm20'),
            ...latencies(21, 'twentyone-', 'm21'),
            ...latencies(3, 'three-', 'm3'),
            attemptRowForTests({
              invocationId: 'slow-failure',
              model: 'm3',
              status: 'failed',
              latencyMs: 99_999,
            }),
          ].map(end),
        );
        const rows = await store.aggregate({ filter: {}, groupBy: 'model' });
        const p95 = Object.fromEntries(rows.map((row) => [row.group, row.p95LatencyMs]));
        deepStrictEqual(p95, { m20: 190, m21: 200, m3: 30 });
        deepStrictEqual(await store.latency({ model: 'm21' }), { average: 110, p95: 200 });
        deepStrictEqual(await store.latency({ model: 'none' }), { average: null, p95: null });
      });

      it('groups into the buckets given, in their order, leaving empty ones out, then by a column', async () => {
        await store.write(
          [
            attemptRowForTests({ invocationId: 'd1a', startedAt: '2026-03-01T05:00:00.000Z', costUsd: 0.2 }),
            attemptRowForTests({
              invocationId: 'd1b',
              startedAt: '2026-03-01T06:00:00.000Z',
              tool: 'codex',
              costUsd: 0.3,
            }),
            attemptRowForTests({ invocationId: 'd3', startedAt: '2026-03-03T06:00:00.000Z', costUsd: 0.1 }),
          ].map(end),
        );
        const day = (date: string, next: string) => ({
          start: new Date(`${date}T00:00:00.000Z`),
          end: new Date(`${next}T00:00:00.000Z`),
          label: date,
        });
        const rows = await store.aggregate({
          filter: {},
          groupBy: {
            buckets: [
              day('2026-03-01', '2026-03-02'),
              day('2026-03-02', '2026-03-03'),
              day('2026-03-03', '2026-03-04'),
            ],
          },
          thenBy: 'tool',
        });
        deepStrictEqual(
          rows.map((row) => [row.group, row.subgroup, row.invocations, row.costUsd]),
          [
            ['2026-03-01', 'codex', 1, 0.3],
            ['2026-03-01', 'claude', 1, 0.2],
            ['2026-03-03', 'claude', 1, 0.1],
          ],
        );
      });

      it('counts savings whole and by reason, an escalated downgrade with baseline 0', async () => {
        await store.write(
          [
            // Downgraded and kept: saved 0.8.
            attemptRowForTests({
              invocationId: 'kept',
              model: 'haiku',
              reason: 'cost_optimization',
              baselineModel: 'opus',
              baselineCostUsd: 1,
              computedCostUsd: 0.2,
            }),
            // Downgraded, then escalated to the requested model: the downgrade saved nothing, it cost 0.1.
            attemptRowForTests({
              invocationId: 'esc',
              attempt: 1,
              model: 'haiku',
              reason: 'cost_optimization',
              baselineModel: 'opus',
              baselineCostUsd: 0.5,
              computedCostUsd: 0.1,
            }),
            attemptRowForTests({
              invocationId: 'esc',
              attempt: 2,
              model: 'opus',
              reason: 'escalation',
              baselineModel: 'opus',
              baselineCostUsd: 0.5,
              computedCostUsd: 0.5,
            }),
            // No baseline: not counted.
            attemptRowForTests({ invocationId: 'plain' }),
          ].map(end),
        );
        const [whole] = await store.savings({});
        ok(whole);
        equal(whole.invocations, 3);
        equal(Number(whole.baselineUsd.toFixed(9)), 1.5);
        equal(Number(whole.actualUsd.toFixed(9)), 0.8);
        const byReason = await store.savings({}, 'reason');
        deepStrictEqual(
          byReason.map((row) => [
            row.group,
            Number(row.baselineUsd.toFixed(9)),
            Number(row.actualUsd.toFixed(9)),
            row.invocations,
          ]),
          [
            ['cost_optimization', 1, 0.3, 2],
            ['escalation', 0.5, 0.5, 1],
          ],
        );
      });

      it('compares tool-reported costs with the price table', async () => {
        await store.write(
          [
            attemptRowForTests({
              invocationId: 'agree',
              costSource: 'tool',
              costUsd: 1.0,
              computedCostUsd: 1.02,
            }),
            attemptRowForTests({
              invocationId: 'differ',
              costSource: 'tool',
              costUsd: 1.0,
              computedCostUsd: 2,
            }),
            attemptRowForTests({ invocationId: 'computed', costUsd: 5, computedCostUsd: 5 }),
          ].map(end),
        );
        const check = await store.costCheck({});
        equal(check.toolReportedCalls, 2);
        equal(check.toolReportedUsd, 2);
        equal(Number(check.computedUsd.toFixed(9)), 3.02);
        equal(check.disagreeing, 1);
      });
    });

    describe('the spend ledger', () => {
      const spendRows = [
        attemptRowForTests({ invocationId: 'p1', costUsd: 1 }),
        attemptRowForTests({
          invocationId: 'p2',
          costUsd: 2,
          agent: 'reviewer',
          tool: 'codex',
          model: 'gpt',
        }),
        attemptRowForTests({
          invocationId: 'p3',
          costUsd: 4,
          chainId: 'chain-9',
          taskType: 'review',
          project: 'beta',
        }),
        attemptRowForTests({ invocationId: 'sub', costUsd: 8, billing: 'subscription' }),
        attemptRowForTests({ invocationId: 'yesterday', costUsd: 16, startedAt: '2026-02-28T23:59:59.999Z' }),
      ];

      it('sums the spend of every scope kind in the period, of the billings asked', async () => {
        await store.write(spendRows.map(end));
        const spent = (scope: string, billings: readonly Billing[] = ['api']) =>
          store.spent({ scope, start: dayStart, end: dayEnd, billings });
        equal(await spent('global'), 7);
        equal(await spent('global', ['api', 'subscription']), 15);
        equal(await spent('agent:reviewer'), 2);
        equal(await spent('tool:codex'), 2);
        equal(await spent('model:gpt'), 2);
        equal(await spent('chain:chain-9'), 4);
        equal(await spent('task-type:review'), 4);
        equal(await spent('project:beta'), 4);
        equal(await spent('project:alpha', ['subscription']), 8);
      });

      it('reserves what fits, and refuses what does not naming the limit, its spend and what is held', async () => {
        await store.write([end(attemptRowForTests({ invocationId: 'p1', costUsd: 3 }))]);
        const first = await store.reserve(reserveRequest({ estimateUsd: 4, checks: [limit('global', 10)] }));
        equal(first.ok, true);
        const global10 = limit('global', 10);
        const refused = await store.reserve(
          reserveRequest({ estimateUsd: 4, checks: [limit('agent:coder', 100), global10] }),
        );
        deepStrictEqual(refused, { ok: false, limit: global10.limit, spentUsd: 3, reservedUsd: 4 });
        const fits = await store.reserve(reserveRequest({ estimateUsd: 3, checks: [global10] }));
        equal(fits.ok, true);
        equal((await store.heldReservations(() => false, now)).length, 2);
      });

      it('holds a reservation as requested, oldest first, with its holder and lease', async () => {
        const request = reserveRequest({
          id: 'held-1',
          scopes: ['global', 'agent:coder'],
          estimateUsd: 2.5,
          checks: [limit('global', 10)],
        });
        const outcome = await store.reserve(request);
        deepStrictEqual(outcome, {
          ok: true,
          reservation: {
            id: 'held-1',
            scopes: ['global', 'agent:coder'],
            estimateUsd: 2.5,
            pid: 4242,
            billing: 'api',
          },
        });
        await store.reserve(
          reserveRequest({ id: 'held-2', now: new Date(at('12:01')), checks: [limit('global', 10)] }),
        );
        const held = await store.heldReservations(() => false, now);
        deepStrictEqual(
          held.map((reservation) => reservation.id),
          ['held-1', 'held-2'],
        );
        const first = held[0] as HeldReservationV1;
        deepStrictEqual([...first.scopes].sort(), ['agent:coder', 'global']);
        deepStrictEqual(first.holder, holder);
        equal(first.estimateUsd, 2.5);
        equal(first.billing, 'api');
        equal(first.createdAt, now.toISOString());
        equal(first.expiresAt, request.expiresAt.toISOString());
        equal(first.leaseUntil, request.leaseUntil.toISOString());
      });

      it('expires what isExpired judges so, inside reserve and when listing', async () => {
        await store.reserve(reserveRequest({ id: 'stale', estimateUsd: 9, checks: [limit('global', 10)] }));
        const isExpired = (held: HeldReservationV1) => held.id === 'stale';
        const outcome = await store.reserve(
          reserveRequest({ estimateUsd: 9, checks: [limit('global', 10)], isExpired }),
        );
        equal(outcome.ok, true);
        await store.reserve(reserveRequest({ id: 'stale-2', checks: [limit('global', 100)] }));
        const held = await store.heldReservations((reservation) => reservation.id === 'stale-2', now);
        equal(held.length, 1);
        equal((await store.heldReservations(() => false, now)).length, 1);
      });

      it('counts a subscription reservation only against limits that count subscriptions', async () => {
        await store.reserve(
          reserveRequest({
            billing: 'subscription',
            estimateUsd: 5,
            checks: [limit('global', 100, ['api', 'subscription'])],
          }),
        );
        const api = await store.reserve(reserveRequest({ estimateUsd: 5, checks: [limit('global', 5)] }));
        equal(api.ok, true);
        const all = await store.reserve(
          reserveRequest({ estimateUsd: 1, checks: [limit('global', 10, ['api', 'subscription'])] }),
        );
        deepStrictEqual(all.ok ? undefined : [all.spentUsd, all.reservedUsd], [0, 10]);
      });

      it('closes a reservation once: a second close leaves it as the first left it', async () => {
        await store.reserve(reserveRequest({ id: 'r', estimateUsd: 10, checks: [limit('global', 10)] }));
        await store.closeReservation('r', { status: 'released', actualUsd: null, at: now });
        await store.closeReservation('r', { status: 'settled', actualUsd: 3, at: now });
        equal((await store.heldReservations(() => false, now)).length, 0);
        equal(
          (await store.reserve(reserveRequest({ estimateUsd: 10, checks: [limit('global', 10)] }))).ok,
          true,
        );
      });

      it("renews the leases of the holder's held reservations only", async () => {
        await store.reserve(reserveRequest({ id: 'mine-1', checks: [limit('global', 10)] }));
        await store.reserve(reserveRequest({ id: 'mine-2', checks: [limit('global', 10)] }));
        await store.reserve(
          reserveRequest({
            id: 'theirs',
            holder: { ...holder, host: 'other-host' },
            checks: [limit('global', 10)],
          }),
        );
        await store.closeReservation('mine-2', { status: 'settled', actualUsd: 1, at: now });
        const later = new Date(at('12:05'));
        equal(await store.renewLeases(holder, later), 1);
        const held = await store.heldReservations(() => false, now);
        deepStrictEqual(
          held.map((reservation) => [reservation.id, reservation.leaseUntil]),
          [
            ['mine-1', later.toISOString()],
            ['theirs', new Date(now.getTime() + 60_000).toISOString()],
          ],
        );
      });

      it('admits exactly 12 of 20 concurrent reservations against a limit that fits 12', async () => {
        const other = await another();
        const stores = other ? [store, other] : [store];
        // Connected and migrated before the race, so the reservations really run side by side.
        await Promise.all(stores.map((each) => each.count()));
        const outcomes: ReserveOutcome[] = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            (stores[index % stores.length] as TelemetryStoreV1).reserve(
              reserveRequest({ estimateUsd: 1, checks: [limit('global', 12)] }),
            ),
          ),
        );
        equal(outcomes.filter((outcome) => outcome.ok).length, 12);
        equal((await store.heldReservations(() => false, now)).length, 12);
      });
    });

    describe('plan windows', () => {
      const observation = (window: string, observedAt: string, utilization: number) => ({
        tool: 'claude',
        window,
        status: 'allowed' as const,
        utilization,
        resetsAt: at('15:00'),
        observedAt,
      });

      it('keeps every reading and the latest of each window, a late-reported older one not replacing it', async () => {
        await store.recordObservation(observation('five_hour', at('10:00'), 0.1));
        await store.recordObservation(observation('five_hour', at('11:00'), 0.5));
        await store.recordObservation(observation('five_hour', at('10:30'), 0.3));
        await store.recordObservation({ ...observation('seven_day', at('10:00'), 0.2), account: 'acct' });
        await store.recordObservation({ ...observation('five_hour', at('09:00'), 0.9), tool: 'codex' });
        deepStrictEqual(await store.latestObservations({ tool: 'claude' }), [
          observation('five_hour', at('11:00'), 0.5),
          { ...observation('seven_day', at('10:00'), 0.2), account: 'acct' },
        ]);
        equal((await store.latestObservations()).length, 3);
        const history = await store.observationHistory({ tool: 'claude', window: 'five_hour' });
        deepStrictEqual(
          history.map((reading) => reading.observedAt),
          [at('10:00'), at('10:30'), at('11:00')],
        );
        const recent = await store.observationHistory({ since: new Date(at('10:00')), limit: 2 });
        deepStrictEqual(
          recent.map((reading) => [reading.tool, reading.observedAt]),
          [
            ['claude', at('10:30')],
            ['claude', at('11:00')],
          ],
        );
      });

      it('holds a tool until the latest end asked, never shortening a hold', async () => {
        await store.hold({
          tool: 'claude',
          until: at('15:00'),
          reason: 'five_hour rejected',
          window: 'five_hour',
        });
        await store.hold({ tool: 'claude', until: at('13:00'), reason: 'shorter' });
        deepStrictEqual(await store.heldUntil('claude', now), {
          tool: 'claude',
          until: at('15:00'),
          reason: 'five_hour rejected',
          window: 'five_hour',
        });
        await store.hold({ tool: 'claude', until: at('18:00'), reason: 'longer' });
        equal((await store.heldUntil('claude', now))?.until, at('18:00'));
        equal(await store.heldUntil('claude', new Date(at('18:00'))), undefined);
        equal(await store.heldUntil('codex', now), undefined);
      });
    });

    describe('upkeep', () => {
      it('prunes before a date, keeping the running attempts keepRunning keeps', async () => {
        await store.write(
          [
            attemptRowForTests({ invocationId: 'old', startedAt: at('01:00') }),
            running({ invocationId: 'old-alive', startedAt: at('01:00'), pid: 1 }),
            running({ invocationId: 'old-gone', startedAt: at('01:00'), pid: 2 }),
            attemptRowForTests({ invocationId: 'new', startedAt: at('11:00') }),
          ].map(end),
        );
        await store.reserve(
          reserveRequest({ id: 'closed', now: new Date(at('01:00')), checks: [limit('global', 10)] }),
        );
        await store.closeReservation('closed', {
          status: 'settled',
          actualUsd: 1,
          at: new Date(at('01:30')),
        });
        await store.reserve(
          reserveRequest({ id: 'open', now: new Date(at('01:00')), checks: [limit('global', 10)] }),
        );
        await store.recordObservation({
          tool: 'claude',
          window: 'five_hour',
          status: 'allowed',
          observedAt: at('01:00'),
        });
        await store.hold({ tool: 'claude', until: at('02:00'), reason: 'ended' });
        await store.hold({ tool: 'codex', until: at('23:00'), reason: 'in force' });
        const result = await store.prune({
          before: new Date(at('10:00')),
          now,
          keepRunning: (attempt) => attempt.pid === 1,
        });
        deepStrictEqual(result, { invocations: 2, reservations: 1, planWindowObservations: 1 });
        deepStrictEqual(ids(await store.invocations({}, 'asc')), ['old-alive', 'new']);
        deepStrictEqual(
          (await store.heldReservations(() => false, now)).map((held) => held.id),
          ['open'],
        );
        equal(await store.heldUntil('codex', now).then((held) => held?.reason), 'in force');
        deepStrictEqual(await store.latestObservations(), []);
      });

      it('gives every store on one location the same prompt key', async () => {
        const key = await store.promptKey();
        ok(key.length >= 32, 'a key of at least 128 bits in hex');
        equal(await store.promptKey(), key);
        const other = await another();
        if (other) equal(await other.promptKey(), key);
      });

      it('reports its schema at the latest version it knows', async () => {
        const schema = await store.schema();
        ok(schema.latest >= 1);
        equal(schema.version, schema.latest);
      });
    });
  });
}
