import type { ReserveOutcome, StoreReserveRequestV1 } from '@llm-service/spec';
import { describe, expect, it } from 'vitest';
import { postgresSkipReason, usePostgres } from './support/server.js';

const skipReason = await postgresSkipReason();

const now = new Date('2026-03-01T12:00:00.000Z');

function request(store: number, index: number): StoreReserveRequestV1 {
  return {
    id: `store-${store}-reservation-${index}`,
    scopes: ['global', 'agent:coder'],
    estimateUsd: 1,
    billing: 'api',
    holder: { pid: 1000 + store, host: `machine-${store}` },
    now,
    expiresAt: new Date(now.getTime() + 3_600_000),
    leaseUntil: new Date(now.getTime() + 60_000),
    checks: [
      // Two limits on shared scopes, listed in different orders: the locks are still taken in one order.
      ...[
        { scope: 'agent:coder', limitUsd: 100 },
        { scope: 'global', limitUsd: 12 },
      ]
        .sort(() => (store % 2 === 0 ? 1 : -1))
        .map(({ scope, limitUsd }) => ({
          limit: { scope, period: 'daily' as const, limitUsd },
          start: new Date('2026-03-01T00:00:00.000Z'),
          end: new Date('2026-03-02T00:00:00.000Z'),
          billings: ['api' as const],
        })),
    ],
    isExpired: () => false,
  };
}

describe.skipIf(skipReason !== undefined)(`reservations across machines ${skipReason ?? ''}`, () => {
  const postgres = usePostgres();

  it('admits exactly 12 of 3 stores × 10 concurrent reservations against a limit that fits 12', async () => {
    const url = await postgres.database();
    const stores = [postgres.open(url), postgres.open(url), postgres.open(url)];
    // Every pool connected (4 clients each) before the race, so the reservations really run side by side.
    await Promise.all(stores.flatMap((store) => Array.from({ length: 4 }, () => store.count())));
    const started = performance.now();
    const outcomes: ReserveOutcome[] = await Promise.all(
      stores.flatMap((store, storeIndex) =>
        Array.from({ length: 10 }, (_, index) => store.reserve(request(storeIndex, index))),
      ),
    );
    const elapsedMs = performance.now() - started;
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(12);
    for (const outcome of outcomes.filter((outcome) => !outcome.ok)) {
      expect(outcome).toMatchObject({ ok: false, limit: { scope: 'global' }, spentUsd: 0, reservedUsd: 12 });
    }
    expect(await stores[1]?.heldReservations(() => false, now)).toHaveLength(12);
    // Measured, not asserted: what 30 serialised reservations cost on this machine.
    console.info(`30 reservations over 3 pools of 4 connections: ${elapsedMs.toFixed(0)} ms`);
  });
});
