import { afterEach, describe, expect, it } from 'vitest';
import type { Billing, LlmServiceEvent, SpendLimit } from '@llm-service/spec';
import { deliver, RequestEvents } from '../testing/event-fixtures.js';
import { TemporaryStores } from '../testing/temporary-store.js';
import { StoreSink } from '../sinks/store-sink.js';
import type { SqliteTelemetryStore } from '../sqlite/sqlite-store.js';
import { SpendLedger } from './spend-ledger.js';

const temporary = new TemporaryStores();
afterEach(() => temporary.cleanup());

async function record(store: SqliteTelemetryStore, events: LlmServiceEvent[]): Promise<void> {
  const sink = new StoreSink({ store, captureContent: false, logger: { warn: () => undefined } });
  for (const event of events) deliver(sink, event);
  await sink.flush();
}

function spend(
  at: string,
  costUsd: number,
  options: {
    agent?: string;
    tool?: string;
    model?: string;
    chainId?: string;
    taskType?: string;
    billing?: Billing;
  } = {},
): LlmServiceEvent[] {
  return new RequestEvents({
    agent: options.agent ?? 'architect',
    ...(options.chainId ? { chainId: options.chainId } : {}),
    ...(options.taskType ? { taskType: options.taskType } : {}),
    ...(options.billing ? { billing: options.billing } : {}),
  }).success(
    at,
    { tool: options.tool ?? 'claude', model: options.model ?? 'claude-sonnet-4-5' },
    { costUsd },
  );
}

describe('the spend ledger', () => {
  it('sums the cost of a scope in the period where each attempt started', async () => {
    const store = temporary.sqlite();
    await record(store, [
      ...spend('2026-11-24T23:59:59.000Z', 100), // the day before (a Tuesday), same ISO week
      ...spend('2026-11-25T00:00:00.000Z', 1, { agent: 'writer', chainId: 'c1' }),
      ...spend('2026-11-25T12:00:00.000Z', 2, { tool: 'codex', model: 'gpt-5', chainId: 'c1' }),
      ...spend('2026-11-25T23:59:59.999Z', 4, { model: 'qwen2.5:7b', taskType: 'docs' }),
      ...spend('2026-10-31T23:00:00.000Z', 1000), // last month
    ]);
    const ledger = new SpendLedger(store, { now: () => new Date('2026-11-25T18:00:00Z') });
    expect(await ledger.spent('global', 'daily')).toBe(7);
    expect(await ledger.spent('global', 'weekly')).toBe(107);
    expect(await ledger.spent('global', 'monthly')).toBe(107);
    expect(await ledger.spent('agent:writer', 'daily')).toBe(1);
    expect(await ledger.spent('agent:architect', 'daily')).toBe(6);
    expect(await ledger.spent('tool:codex', 'daily')).toBe(2);
    expect(await ledger.spent('model:qwen2.5:7b', 'daily')).toBe(4);
    expect(await ledger.spent('chain:c1', 'daily')).toBe(3);
    expect(await ledger.spent('task-type:docs', 'daily')).toBe(4);
    expect(await ledger.spent('global', 'monthly', { at: new Date('2026-10-15T00:00:00Z') })).toBe(1000);
    // In Europe/Berlin the first of those rows (00:59:59 on the 25th locally) joins the 25th's day.
    expect(await ledger.spent('global', 'daily', { timezone: 'Europe/Berlin' })).toBe(103);
    await expect(ledger.spent('team:x', 'daily')).rejects.toMatchObject({ code: 'E_TELEMETRY_SCOPE' });
  });

  it('reserves only while every limit holds, counting spend and other holds on the limit scope', async () => {
    const store = temporary.sqlite();
    await record(store, spend('2026-11-25T08:00:00.000Z', 3, { agent: 'writer' }));
    const ledger = new SpendLedger(store, { now: () => new Date('2026-11-25T18:00:00Z') });
    const limits: SpendLimit[] = [
      { scope: 'global', period: 'daily', limitUsd: 10 },
      { scope: 'agent:writer', period: 'monthly', limitUsd: 5 },
    ];
    const scopes = ['global', 'agent:writer'];
    const first = await ledger.reserve({ scopes, estimateUsd: 1.5, limits });
    expect(first).toMatchObject({ ok: true, reservation: { scopes, estimateUsd: 1.5, pid: process.pid } });
    const second = await ledger.reserve({ scopes, estimateUsd: 1, limits });
    expect(second).toEqual({ ok: false, limit: limits[1], spentUsd: 3, reservedUsd: 1.5 });
    // Another agent is held by the global limit only (the caller passes the limits that apply to a request).
    expect(
      (await ledger.reserve({ scopes: ['global', 'agent:architect'], estimateUsd: 5, limits: [limits[0]!] }))
        .ok,
    ).toBe(true);
    expect(await ledger.reserve({ scopes: ['global'], estimateUsd: 0.6, limits })).toMatchObject({
      ok: false,
      limit: limits[0],
      spentUsd: 3,
      reservedUsd: 6.5,
    });
    // Releasing the first hold frees its estimate.
    if (!first.ok) throw new Error('unreachable');
    await ledger.release(first.reservation);
    expect((await ledger.reserve({ scopes, estimateUsd: 1, limits })).ok).toBe(true);
  });

  it('admits exactly the reservations that fit a limit', async () => {
    const ledger = new SpendLedger(temporary.sqlite());
    const limits: SpendLimit[] = [{ scope: 'global', period: 'daily', limitUsd: 5 }];
    const outcomes = [];
    for (let index = 0; index < 8; index++)
      outcomes.push(await ledger.reserve({ scopes: ['global'], estimateUsd: 1, limits }));
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('stops holding a settled reservation; the recorded invocation carries the cost', async () => {
    const store = temporary.sqlite();
    const now = new Date();
    const ledger = new SpendLedger(store, { now: () => now });
    const limits: SpendLimit[] = [{ scope: 'global', period: 'daily', limitUsd: 5 }];
    const outcome = await ledger.reserve({ scopes: ['global'], estimateUsd: 4, limits });
    if (!outcome.ok) throw new Error('expected a reservation');
    await record(store, spend(now.toISOString(), 2));
    await ledger.settle(outcome.reservation, 2);
    expect(await ledger.held()).toEqual([]);
    expect(await ledger.spent('global', 'daily')).toBe(2);
    expect((await ledger.reserve({ scopes: ['global'], estimateUsd: 3, limits })).ok).toBe(true);
    expect(
      store.connection
        .open()
        .prepare('SELECT status, actual_usd FROM reservations ORDER BY status DESC')
        .all(),
    ).toEqual([
      { status: 'settled', actual_usd: 2 },
      { status: 'held', actual_usd: null },
    ]);
  });

  it('sums subscription attempts only when asked to count all, and every attempt when not told', async () => {
    const store = temporary.sqlite();
    await record(store, [
      ...spend('2026-11-25T08:00:00.000Z', 1, { tool: 'codex' }),
      ...spend('2026-11-25T09:00:00.000Z', 2, { billing: 'subscription' }),
      ...spend('2026-11-25T10:00:00.000Z', 4, { billing: 'api' }),
    ]);
    const ledger = new SpendLedger(store, { now: () => new Date('2026-11-25T18:00:00Z') });
    expect(await ledger.spent('global', 'daily', { count: 'api' })).toBe(5);
    expect(await ledger.spent('global', 'daily', { count: 'all' })).toBe(7);
    // A reader of spend (stats, an older policy) gets the whole cost, as before billing existed.
    expect(await ledger.spent('global', 'daily')).toBe(7);
    expect(await ledger.spent('tool:claude', 'daily', { count: 'api' })).toBe(4);
  });

  it('holds each limit to the spend and reservations its count admits, and records what each reservation is paid by', async () => {
    const store = temporary.sqlite();
    await record(store, [
      ...spend('2026-11-25T08:00:00.000Z', 3, { billing: 'api' }),
      ...spend('2026-11-25T09:00:00.000Z', 10, { billing: 'subscription' }),
    ]);
    const ledger = new SpendLedger(store, { now: () => new Date('2026-11-25T18:00:00Z') });
    const apiLimit: SpendLimit = { scope: 'global', period: 'daily', limitUsd: 5 };
    const allLimit: SpendLimit = { scope: 'global', period: 'daily', limitUsd: 20, count: 'all' };
    const scopes = ['global'];

    // The $10 of subscription attempts is not in the $5 limit's spend: $3 of it is spent, $2 left.
    const first = await ledger.reserve({ scopes, estimateUsd: 1.5, limits: [apiLimit] });
    expect(first).toMatchObject({ ok: true, reservation: { estimateUsd: 1.5, billing: 'api' } });
    // A subscription attempt is not refused by a limit of api spend (it spends none of it), whatever it estimates,
    // and its reservation is not held against that limit after.
    const subscription = await ledger.reserve({
      scopes,
      estimateUsd: 4,
      limits: [apiLimit, allLimit],
      billing: 'subscription',
    });
    expect(subscription).toMatchObject({
      ok: true,
      reservation: { estimateUsd: 4, billing: 'subscription' },
    });
    expect(await ledger.reserve({ scopes, estimateUsd: 0.6, limits: [apiLimit] })).toEqual({
      ok: false,
      limit: apiLimit,
      spentUsd: 3,
      reservedUsd: 1.5,
    });
    expect((await ledger.reserve({ scopes, estimateUsd: 0.5, limits: [apiLimit] })).ok).toBe(true);
    // The api limit is now full; a subscription attempt still runs under it.
    expect(
      (await ledger.reserve({ scopes, estimateUsd: 1, limits: [apiLimit], billing: 'subscription' })).ok,
    ).toBe(true);

    // A limit counting all sees every attempt and every reservation: $13 spent, $1.5 + $4 + $0.5 + $1 held.
    expect(
      await ledger.reserve({ scopes, estimateUsd: 0.1, limits: [allLimit], billing: 'subscription' }),
    ).toEqual({
      ok: false,
      limit: allLimit,
      spentUsd: 13,
      reservedUsd: 7,
    });
    expect(await ledger.reserve({ scopes, estimateUsd: 0.1, limits: [allLimit] })).toMatchObject({
      ok: false,
      spentUsd: 13,
      reservedUsd: 7,
    });
    // All made at one instant of the injected clock, so in no particular order.
    expect(
      (await ledger.held())
        .map((hold) => [hold.estimateUsd, hold.billing])
        .sort(([a], [b]) => Number(a) - Number(b)),
    ).toEqual([
      [0.5, 'api'],
      [1, 'subscription'],
      [1.5, 'api'],
      [4, 'subscription'],
    ]);
    expect(
      store.connection
        .open()
        .prepare('SELECT billing, COUNT(*) AS n FROM reservations GROUP BY billing')
        .all(),
    ).toEqual([
      { billing: 'api', n: 2 },
      { billing: 'subscription', n: 2 },
    ]);
  });

  it('expires reservations whose process is gone or whose time is up', async () => {
    const store = temporary.sqlite();
    let now = new Date('2026-11-25T10:00:00Z');
    const dead = new Set<number>();
    // Liveness by the injected set alone: a real process that happens to have pid 111 (a kernel worker, say) must
    // not be read for its start time.
    const options = {
      now: () => now,
      isAlive: (pid: number) => !dead.has(pid),
      startTimeOf: () => undefined,
      reservationTtlMs: 60_000,
    };
    const crashed = new SpendLedger(store, { ...options, pid: 111 });
    const slow = new SpendLedger(store, { ...options, pid: 222 });
    const limits: SpendLimit[] = [{ scope: 'global', period: 'daily', limitUsd: 5 }];
    expect((await crashed.reserve({ scopes: ['global'], estimateUsd: 3, limits })).ok).toBe(true);
    expect((await slow.reserve({ scopes: ['global'], estimateUsd: 2, limits })).ok).toBe(true);
    const other = new SpendLedger(store, { ...options, pid: 333 });
    expect((await other.reserve({ scopes: ['global'], estimateUsd: 1, limits })).ok).toBe(false);
    dead.add(111);
    expect(await other.reserve({ scopes: ['global'], estimateUsd: 1, limits })).toMatchObject({ ok: true });
    expect((await other.held()).map((hold) => hold.pid).sort()).toEqual([222, 333]);
    now = new Date(now.getTime() + 61_000);
    expect(await other.held()).toEqual([]);
  });

  it('keeps the live reservation of a process in another PID namespace while its lease runs, not by its pid', async () => {
    const store = temporary.sqlite();
    let now = new Date('2026-11-25T10:00:00Z');
    const limits: SpendLimit[] = [{ scope: 'global', period: 'daily', limitUsd: 5 }];
    // Two `exec`s sharing one database from different PID namespaces (two containers, say): each sees none of the
    // other's processes, so pid 111 does not exist where the second one looks.
    const inContainer = new SpendLedger(store, {
      now: () => now,
      leaseMs: 60_000,
      identity: { pid: 111, host: 'h', namespace: 'pid:[1]', startTime: 'b:1' },
      isAlive: () => false,
    });
    const onHost = new SpendLedger(store, {
      now: () => now,
      leaseMs: 60_000,
      identity: { pid: 222, host: 'h', namespace: 'pid:[2]', startTime: 'b:2' },
      isAlive: () => false,
    });
    expect((await inContainer.reserve({ scopes: ['global'], estimateUsd: 3, limits })).ok).toBe(true);
    expect((await onHost.reserve({ scopes: ['global'], estimateUsd: 3, limits })).ok).toBe(false);
    // Renewed before it ran out, the lease keeps the reservation counted.
    now = new Date(now.getTime() + 50_000);
    expect(await inContainer.renewLeases()).toBe(1);
    now = new Date(now.getTime() + 50_000);
    expect((await onHost.reserve({ scopes: ['global'], estimateUsd: 3, limits })).ok).toBe(false);
    // Not renewed (the holder is gone, or stuck): it expires once the lease is over.
    now = new Date(now.getTime() + 61_000);
    expect((await onHost.reserve({ scopes: ['global'], estimateUsd: 3, limits })).ok).toBe(true);
  });

  it('expires a reservation whose pid now belongs to a process started later', async () => {
    const store = temporary.sqlite();
    const now = new Date('2026-11-25T10:00:00Z');
    const limits: SpendLimit[] = [{ scope: 'global', period: 'daily', limitUsd: 5 }];
    const crashed = new SpendLedger(store, {
      now: () => now,
      identity: { pid: 111, host: 'h', namespace: 'pid:[1]', startTime: 'b:100' },
    });
    expect((await crashed.reserve({ scopes: ['global'], estimateUsd: 4, limits })).ok).toBe(true);
    const observer = (startTimeOf: (pid: number) => string) =>
      new SpendLedger(store, {
        now: () => now,
        identity: { pid: 222, host: 'h', namespace: 'pid:[1]', startTime: 'b:200' },
        isAlive: () => true,
        startTimeOf,
      });
    // The same process, still running: its reservation holds.
    expect((await observer(() => 'b:100').reserve({ scopes: ['global'], estimateUsd: 4, limits })).ok).toBe(
      false,
    );
    // Pid 111 reused by a process that started after the crash: the reservation's holder is gone.
    expect((await observer(() => 'b:900').reserve({ scopes: ['global'], estimateUsd: 4, limits })).ok).toBe(
      true,
    );
  });
});
