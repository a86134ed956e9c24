import type {
  HeldReservationV1,
  ReservationHolderV1,
  ReserveOutcome,
  SpendQueryV1,
  SpendScope,
  StoreReserveRequestV1,
} from '@llm-service/spec';
import type { ClientBase } from 'pg';
import { heldReservationFromRow, type HeldReservationRow } from '@llm-service/plugin-kit';
import { Parameters } from '../queries/filter.js';
import { schemaName } from '../schema/migrations.js';
import { scopeSql } from './scopes.js';

/** Rounding slack, so a limit of $5 admits five reservations of $1 summed in floating point. */
const epsilonUsd = 1e-9;

/**
 * The transaction lock of one scope: every reservation touching the scope, on any machine, takes it, so checking
 * the limit and holding the reservation cannot interleave with another's. Distinct scopes may share a key (a 64-bit
 * hash): that only serialises a little more.
 */
const lockKey = (scope: SpendScope) => `hashtextextended('llm-service reservation ' || ${scope}, 0)`;

export async function spentIn(client: ClientBase, query: SpendQueryV1): Promise<number> {
  const parameters = new Parameters();
  const condition = scopeSql(query.scope, parameters);
  const start = parameters.add(query.start.toISOString());
  const end = parameters.add(query.end.toISOString());
  const billings = parameters.add([...query.billings]);
  const result = await client.query<{ spent: number }>(
    `SELECT COALESCE(SUM(cost_usd), 0) AS spent FROM ${schemaName}.invocations
     WHERE ${condition} AND started_at >= ${start} AND started_at < ${end} AND billing = ANY(${billings}::text[])`,
    parameters.values,
  );
  return result.rows[0]?.spent ?? 0;
}

/** Held reservations (of the given scopes only, when given), oldest first. */
async function selectHeld(client: ClientBase, scopes?: readonly string[]): Promise<HeldReservationV1[]> {
  const parameters = new Parameters();
  const ofScopes =
    scopes === undefined
      ? ''
      : `AND r.id IN (SELECT reservation_id FROM ${schemaName}.reservation_scopes WHERE scope = ANY(${parameters.add([...scopes])}::text[]))`;
  const result = await client.query<HeldReservationRow>(
    `SELECT r.id, COALESCE(array_agg(s.scope ORDER BY s.scope) FILTER (WHERE s.scope IS NOT NULL), '{}') AS scopes,
       r.estimate_usd AS "estimateUsd", r.billing, r.pid, r.host, r.pid_namespace AS namespace,
       r.pid_start AS "startTime", r.created_at AS "createdAt", r.expires_at AS "expiresAt",
       r.lease_until AS "leaseUntil"
     FROM ${schemaName}.reservations r LEFT JOIN ${schemaName}.reservation_scopes s ON s.reservation_id = r.id
     WHERE r.status = 'held' ${ofScopes}
     GROUP BY r.id ORDER BY r.created_at, r.id`,
    parameters.values,
  );
  return result.rows.map(heldReservationFromRow);
}

/** Marks the reservations `isExpired` judges so as expired (in id order, so two expirers lock rows alike). */
async function expire(
  client: ClientBase,
  held: readonly HeldReservationV1[],
  isExpired: (held: HeldReservationV1) => boolean,
  now: Date,
): Promise<HeldReservationV1[]> {
  const expired = held.filter((reservation) => isExpired(reservation)).map((reservation) => reservation.id);
  if (expired.length > 0) {
    await client.query(
      `UPDATE ${schemaName}.reservations SET status = 'expired', closed_at = $1
       WHERE id = ANY($2::text[]) AND status = 'held'`,
      [now.toISOString(), expired.sort()],
    );
  }
  return held.filter((reservation) => !expired.includes(reservation.id));
}

export async function heldReservations(
  client: ClientBase,
  isExpired: (held: HeldReservationV1) => boolean,
  now: Date,
): Promise<HeldReservationV1[]> {
  return expire(client, await selectHeld(client), isExpired, now);
}

/**
 * Inside the caller's transaction: the scopes' locks in sorted order (two reservers sharing scopes take them in the
 * same order, so neither waits on the other for ever), then the stale reservations of those scopes expired, each
 * limit checked, and the reservation held. Reading and writing under the locks is what rules out two machines both
 * taking the last of a budget; no read here happens before its lock.
 */
export async function reserveIn(
  client: ClientBase,
  request: StoreReserveRequestV1,
  project: string,
): Promise<ReserveOutcome> {
  const scopes = [...new Set(request.scopes)];
  // Refuse an unknown scope before taking any lock.
  for (const scope of [...scopes, ...request.checks.map((check) => check.limit.scope)])
    scopeSql(scope, new Parameters());
  const locked = [...new Set([...scopes, ...request.checks.map((check) => check.limit.scope)])].sort();
  for (const scope of locked) await client.query(`SELECT pg_advisory_xact_lock(${lockKey('$1')})`, [scope]);

  await expire(client, await selectHeld(client, locked), request.isExpired, request.now);
  for (const check of request.checks) {
    // Every check given counts: telemetry leaves out the limits that do not count this attempt's billing.
    const spentUsd = await spentIn(client, {
      scope: check.limit.scope,
      start: check.start,
      end: check.end,
      billings: check.billings,
    });
    const reserved = await client.query<{ held: number }>(
      `SELECT COALESCE(SUM(r.estimate_usd), 0) AS held FROM ${schemaName}.reservation_scopes s
       JOIN ${schemaName}.reservations r ON r.id = s.reservation_id
       WHERE s.scope = $1 AND r.status = 'held' AND r.billing = ANY($2::text[])`,
      [check.limit.scope, [...check.billings]],
    );
    const reservedUsd = reserved.rows[0]?.held ?? 0;
    if (spentUsd + reservedUsd + request.estimateUsd > check.limit.limitUsd + epsilonUsd) {
      return { ok: false, limit: check.limit, spentUsd, reservedUsd };
    }
  }
  const { holder } = request;
  await client.query(
    `INSERT INTO ${schemaName}.reservations
       (id, project, estimate_usd, billing, pid, host, pid_namespace, pid_start, created_at, expires_at, lease_until,
        status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'held')`,
    [
      request.id,
      project,
      request.estimateUsd,
      request.billing,
      holder.pid,
      holder.host,
      holder.namespace ?? null,
      holder.startTime ?? null,
      request.now.toISOString(),
      request.expiresAt.toISOString(),
      request.leaseUntil.toISOString(),
    ],
  );
  if (scopes.length > 0) {
    await client.query(
      `INSERT INTO ${schemaName}.reservation_scopes (scope, reservation_id, project)
       SELECT scope, $2, $3 FROM unnest($1::text[]) AS scope`,
      [scopes, request.id, project],
    );
  }
  return {
    ok: true,
    reservation: {
      id: request.id,
      scopes,
      estimateUsd: request.estimateUsd,
      pid: holder.pid,
      billing: request.billing,
    },
  };
}

export async function closeReservation(
  client: ClientBase,
  id: string,
  outcome: { status: 'settled' | 'released'; actualUsd: number | null; at: Date },
): Promise<void> {
  await client.query(
    `UPDATE ${schemaName}.reservations SET status = $1, actual_usd = $2, closed_at = $3
     WHERE id = $4 AND status = 'held'`,
    [outcome.status, outcome.actualUsd, outcome.at.toISOString(), id],
  );
}

export async function renewLeases(
  client: ClientBase,
  holder: ReservationHolderV1,
  leaseUntil: Date,
): Promise<number> {
  const result = await client.query(
    `UPDATE ${schemaName}.reservations SET lease_until = $1
     WHERE status = 'held' AND pid = $2 AND host IS NOT DISTINCT FROM $3
       AND pid_namespace IS NOT DISTINCT FROM $4 AND pid_start IS NOT DISTINCT FROM $5`,
    [leaseUntil.toISOString(), holder.pid, holder.host, holder.namespace ?? null, holder.startTime ?? null],
  );
  return result.rowCount ?? 0;
}
