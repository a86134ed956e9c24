import { randomUUID } from 'node:crypto';
import { periodRange, type PeriodRange } from '@llm-service/plugin-kit';
import type {
  Reservation,
  ReserveOutcome,
  SpendLedgerV1,
  SpendLimit,
  SpendPeriod,
  SpendScope,
} from '@llm-service/spec';
import type { Database } from '../store/driver.js';
import type { TelemetryStore } from '../store/store.js';
import { processAlive } from '@llm-service/plugin-kit';
import { scopeSql } from './scopes.js';

/** Rounding slack, so a limit of $5 admits five reservations of $1 summed in floating point. */
const epsilonUsd = 1e-9;

export interface SpendLedgerOptions {
  /** Recorded with each reservation; the reservation expires once no process has this id. */
  pid?: number;
  now?: () => Date;
  /** A held reservation expires after this long even when its process lives on (default 2 hours). */
  reservationTtlMs?: number;
  isAlive?: (pid: number) => boolean;
}

/**
 * The UTC instants of the period (day, ISO week, month) that contains `at` in `timezone` (default UTC): the plugin
 * kit's `periodRange`, the calendar budgets reset on, under the name this package exports.
 */
export const spendPeriod: typeof periodRange = periodRange;

/**
 * SpendLedgerV1 over the telemetry database. Spend is the cost of the invocations recorded in a period (counted in
 * the period where the attempt started); reservations hold an estimate until they are settled or released, and a
 * reservation counts against a limit when its scopes include the limit's scope. A reservation expires when its
 * process is gone or after its time to live, so a crash does not hold budget.
 */
export class SqliteSpendLedger implements SpendLedgerV1 {
  readonly specificationVersion = 'v1' as const;
  readonly #store: TelemetryStore;
  readonly #pid: number;
  readonly #now: () => Date;
  readonly #ttlMs: number;
  readonly #isAlive: (pid: number) => boolean;

  constructor(store: TelemetryStore, options: SpendLedgerOptions = {}) {
    this.#store = store;
    this.#pid = options.pid ?? process.pid;
    this.#now = options.now ?? (() => new Date());
    this.#ttlMs = options.reservationTtlMs ?? 2 * 60 * 60 * 1000;
    this.#isAlive = options.isAlive ?? processAlive;
  }

  async spent(
    scope: SpendScope,
    period: SpendPeriod,
    options: { timezone?: string; at?: Date } = {},
  ): Promise<number> {
    const db = this.#store.forRead();
    return this.#spentIn(db, scope, periodRange(period, options.at ?? this.#now(), options.timezone));
  }

  async reserve(request: {
    scopes: readonly SpendScope[];
    estimateUsd: number;
    limits: readonly SpendLimit[];
  }): Promise<ReserveOutcome> {
    const db = this.#store.forRead();
    const now = this.#now();
    const scopes = [...new Set(request.scopes)];
    for (const limit of request.limits) scopeSql(limit.scope); // Refuse an unknown scope before taking the lock.
    for (const scope of scopes) scopeSql(scope);
    const reserve = db.transaction((): ReserveOutcome => {
      this.#expireStale(db, now);
      for (const limit of request.limits) {
        const spentUsd = this.#spentIn(db, limit.scope, periodRange(limit.period, now, limit.timezone));
        const reservedUsd = (
          db
            .prepare(
              `SELECT TOTAL(r.estimate_usd) AS held FROM reservation_scopes s
               JOIN reservations r ON r.id = s.reservation_id
               WHERE s.scope = ? AND r.status = 'held'`,
            )
            .get(limit.scope) as { held: number }
        ).held;
        if (spentUsd + reservedUsd + request.estimateUsd > limit.limitUsd + epsilonUsd) {
          return { ok: false, limit, spentUsd, reservedUsd };
        }
      }
      const reservation: Reservation = {
        id: randomUUID(),
        scopes,
        estimateUsd: request.estimateUsd,
        pid: this.#pid,
      };
      db.prepare(
        `INSERT INTO reservations (id, estimate_usd, pid, created_at, expires_at, status)
         VALUES (?, ?, ?, ?, ?, 'held')`,
      ).run(
        reservation.id,
        reservation.estimateUsd,
        reservation.pid,
        now.toISOString(),
        new Date(now.getTime() + this.#ttlMs).toISOString(),
      );
      const addScope = db.prepare('INSERT INTO reservation_scopes (scope, reservation_id) VALUES (?, ?)');
      for (const scope of scopes) addScope.run(scope, reservation.id);
      return { ok: true, reservation };
    });
    return reserve.immediate();
  }

  /** Ends the hold; the actual cost is counted through the invocation the sink recorded, and kept here for audit. */
  async settle(reservation: Reservation, actualUsd: number): Promise<void> {
    this.#close(reservation, 'settled', actualUsd);
  }

  async release(reservation: Reservation): Promise<void> {
    this.#close(reservation, 'released', null);
  }

  /** Reservations still held (after expiring stale ones), for `budget` and tests. */
  held(): { id: string; estimateUsd: number; pid: number; scopes: string[] }[] {
    const db = this.#store.forRead();
    db.transaction(() => this.#expireStale(db, this.#now())).immediate();
    const rows = db
      .prepare(
        `SELECT r.id, r.estimate_usd AS estimateUsd, r.pid, group_concat(s.scope, char(10)) AS scopes
         FROM reservations r LEFT JOIN reservation_scopes s ON s.reservation_id = r.id
         WHERE r.status = 'held' GROUP BY r.id ORDER BY r.created_at`,
      )
      .all() as { id: string; estimateUsd: number; pid: number; scopes: string | null }[];
    return rows.map((row) => ({ ...row, scopes: row.scopes ? row.scopes.split('\n') : [] }));
  }

  #close(reservation: Reservation, status: 'settled' | 'released', actualUsd: number | null): void {
    const db = this.#store.forRead();
    db.transaction(() => {
      db.prepare(
        `UPDATE reservations SET status = ?, actual_usd = ?, closed_at = ? WHERE id = ? AND status = 'held'`,
      ).run(status, actualUsd, this.#now().toISOString(), reservation.id);
    }).immediate();
  }

  #spentIn(db: Database, scope: SpendScope, range: PeriodRange): number {
    const condition = scopeSql(scope);
    const row = db
      .prepare(
        `SELECT TOTAL(cost_usd) AS spent FROM invocations
         WHERE ${condition.sql} AND started_at >= ? AND started_at < ?`,
      )
      .get(...condition.parameters, range.start.toISOString(), range.end.toISOString()) as { spent: number };
    return row.spent;
  }

  #expireStale(db: Database, now: Date): void {
    const held = db
      .prepare(`SELECT id, pid, expires_at AS expiresAt FROM reservations WHERE status = 'held'`)
      .all() as { id: string; pid: number; expiresAt: string }[];
    const expire = db.prepare(`UPDATE reservations SET status = 'expired', closed_at = ? WHERE id = ?`);
    const alive = new Map<number, boolean>();
    for (const reservation of held) {
      let isAlive = alive.get(reservation.pid);
      if (isAlive === undefined) {
        isAlive = reservation.pid === this.#pid || this.#isAlive(reservation.pid);
        alive.set(reservation.pid, isAlive);
      }
      if (!isAlive || Date.parse(reservation.expiresAt) <= now.getTime())
        expire.run(now.toISOString(), reservation.id);
    }
  }
}
