import type {
  Billing,
  HeldReservationV1,
  ReservationHolderV1,
  ReserveOutcome,
  SpendQueryV1,
  StoreReserveRequestV1,
} from '@llm-service/spec';
import { heldReservationFromRow, type HeldReservationRow } from '@llm-service/plugin-kit';
import type { Database } from '../store/driver.js';
import { scopeSql } from './scope-sql.js';

/** Rounding slack, so a limit of $5 admits five reservations of $1 summed in floating point. */
const epsilonUsd = 1e-9;

/** One `?` a value, for `IN (...)`: the billings are bound as parameters like every other value. */
function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

export function spentIn(db: Database, query: SpendQueryV1): number {
  if (query.billings.length === 0) return 0;
  const condition = scopeSql(query.scope);
  const row = db
    .prepare(
      `SELECT TOTAL(cost_usd) AS spent FROM invocations
       WHERE ${condition.sql} AND started_at >= ? AND started_at < ? AND billing IN (${placeholders(query.billings)})`,
    )
    .get(...condition.parameters, query.start.toISOString(), query.end.toISOString(), ...query.billings) as {
    spent: number;
  };
  return row.spent;
}

function heldIn(db: Database, scope: string, billings: readonly Billing[]): number {
  if (billings.length === 0) return 0;
  return (
    db
      .prepare(
        `SELECT TOTAL(r.estimate_usd) AS held FROM reservation_scopes s
         JOIN reservations r ON r.id = s.reservation_id
         WHERE s.scope = ? AND r.status = 'held' AND r.billing IN (${placeholders(billings)})`,
      )
      .get(scope, ...billings) as { held: number }
  ).held;
}

export function selectHeld(db: Database): HeldReservationV1[] {
  const rows = db
    .prepare(
      `SELECT r.id, r.estimate_usd AS estimateUsd, r.billing, r.pid, r.host, r.pid_namespace AS namespace,
              r.pid_start AS startTime, r.created_at AS createdAt, r.expires_at AS expiresAt,
              r.lease_until AS leaseUntil, group_concat(s.scope, char(10)) AS scopes
       FROM reservations r LEFT JOIN reservation_scopes s ON s.reservation_id = r.id
       WHERE r.status = 'held' GROUP BY r.id ORDER BY r.created_at, r.id`,
    )
    .all() as (Omit<HeldReservationRow, 'scopes'> & { scopes: string | null })[];
  return rows.map((row) =>
    heldReservationFromRow({ ...row, scopes: row.scopes ? row.scopes.split('\n') : [] }),
  );
}

/** Marks held reservations `isExpired` judges so as expired; call inside a write transaction. */
export function expireStale(db: Database, isExpired: (held: HeldReservationV1) => boolean, now: Date): void {
  const expire = db.prepare(`UPDATE reservations SET status = 'expired', closed_at = ? WHERE id = ?`);
  for (const held of selectHeld(db)) if (isExpired(held)) expire.run(now.toISOString(), held.id);
}

/** The whole reservation in one IMMEDIATE transaction: SQLite's write lock serialises every reserving process. */
export function reserveIn(db: Database, request: StoreReserveRequestV1): ReserveOutcome {
  for (const check of request.checks) scopeSql(check.limit.scope); // An unknown scope fails before the lock.
  for (const scope of request.scopes) scopeSql(scope);
  const reserve = db.transaction((): ReserveOutcome => {
    expireStale(db, request.isExpired, request.now);
    for (const check of request.checks) {
      const spentUsd = spentIn(db, {
        scope: check.limit.scope,
        start: check.start,
        end: check.end,
        billings: check.billings,
      });
      const reservedUsd = heldIn(db, check.limit.scope, check.billings);
      if (spentUsd + reservedUsd + request.estimateUsd > check.limit.limitUsd + epsilonUsd)
        return { ok: false, limit: check.limit, spentUsd, reservedUsd };
    }
    const { holder } = request;
    db.prepare(
      `INSERT INTO reservations
         (id, estimate_usd, pid, created_at, expires_at, status, host, pid_namespace, pid_start, lease_until, billing)
       VALUES (?, ?, ?, ?, ?, 'held', ?, ?, ?, ?, ?)`,
    ).run(
      request.id,
      request.estimateUsd,
      holder.pid,
      request.now.toISOString(),
      request.expiresAt.toISOString(),
      holder.host,
      holder.namespace ?? null,
      holder.startTime ?? null,
      request.leaseUntil.toISOString(),
      request.billing,
    );
    const addScope = db.prepare('INSERT INTO reservation_scopes (scope, reservation_id) VALUES (?, ?)');
    for (const scope of new Set(request.scopes)) addScope.run(scope, request.id);
    return {
      ok: true,
      reservation: {
        id: request.id,
        scopes: [...new Set(request.scopes)],
        estimateUsd: request.estimateUsd,
        pid: holder.pid,
        billing: request.billing,
      },
    };
  });
  return reserve.immediate();
}

export function renewIn(db: Database, holder: ReservationHolderV1, leaseUntil: Date): number {
  return db
    .transaction(
      () =>
        db
          .prepare(
            `UPDATE reservations SET lease_until = ?
             WHERE status = 'held' AND pid = ? AND host IS ? AND pid_namespace IS ? AND pid_start IS ?`,
          )
          .run(
            leaseUntil.toISOString(),
            holder.pid,
            holder.host,
            holder.namespace ?? null,
            holder.startTime ?? null,
          ).changes,
    )
    .immediate();
}

export function closeIn(
  db: Database,
  id: string,
  outcome: { status: 'settled' | 'released'; actualUsd: number | null; at: Date },
): void {
  db.transaction(() => {
    db.prepare(
      `UPDATE reservations SET status = ?, actual_usd = ?, closed_at = ? WHERE id = ? AND status = 'held'`,
    ).run(outcome.status, outcome.actualUsd, outcome.at.toISOString(), id);
  }).immediate();
}
