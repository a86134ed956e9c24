import { randomUUID } from 'node:crypto';
import { periodRange, type PeriodRange } from '@llm-service/plugin-kit';
import type {
  Billing,
  Reservation,
  ReserveOutcome,
  SpendLedgerV1,
  SpendLimit,
  SpendPeriod,
  SpendScope,
} from '@llm-service/spec';
import type { Database } from '../store/driver.js';
import type { TelemetryStore } from '../store/store.js';
import {
  currentProcessIdentity,
  processAlive,
  processLiveness,
  type ProcessIdentity,
} from '@llm-service/plugin-kit';
import { scopeSql } from './scopes.js';

/** What a limit (or a reader of `spent`) counts: `SpendLimit.count`. */
export type SpendCount = NonNullable<SpendLimit['count']>;

/** The billings each `count` admits, for spend and held reservations alike. */
const counts: Record<SpendCount, readonly Billing[]> = {
  api: ['api'],
  all: ['api', 'subscription'],
};

/** A limit without `count` counts attempts billed by the token only: subscriptions are paid in windows, not dollars. */
const defaultLimitCount: SpendCount = 'api';

/** One `?` a value, for `IN (...)`: the billings are bound as parameters like every other value. */
function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

/** Rounding slack, so a limit of $5 admits five reservations of $1 summed in floating point. */
const epsilonUsd = 1e-9;

export interface SpendLedgerOptions {
  /** Recorded with each reservation; the reservation expires once no process has this id. */
  pid?: number;
  /** Who holds this ledger's reservations (default: this process: host, PID namespace, start time). */
  identity?: ProcessIdentity;
  now?: () => Date;
  /** A held reservation expires after this long even when its process lives on (default 2 hours). */
  reservationTtlMs?: number;
  /**
   * How long a reservation counts as alive without word from its holder, where liveness cannot be checked (another
   * host or PID namespace sharing the database). The holder renews it a third of the way through (default 60 s).
   */
  leaseMs?: number;
  isAlive?: (pid: number) => boolean;
  startTimeOf?: (pid: number) => string | undefined;
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
  readonly #leaseMs: number;
  readonly #identityOption: ProcessIdentity | undefined;
  #knownIdentity: ProcessIdentity | undefined;
  readonly #checks: { isAlive: (pid: number) => boolean; startTimeOf?: (pid: number) => string | undefined };
  #renewal: NodeJS.Timeout | undefined;

  /** Who holds this ledger's reservations; read from /proc on first use, since most runs reserve nothing. */
  get #identity(): ProcessIdentity {
    this.#knownIdentity ??= this.#identityOption ?? { ...currentProcessIdentity(), pid: this.#pid };
    return this.#knownIdentity;
  }

  constructor(store: TelemetryStore, options: SpendLedgerOptions = {}) {
    this.#store = store;
    this.#identityOption =
      options.identity && options.pid !== undefined
        ? { ...options.identity, pid: options.pid }
        : options.identity;
    this.#pid = options.pid ?? options.identity?.pid ?? process.pid;
    this.#now = options.now ?? (() => new Date());
    this.#ttlMs = options.reservationTtlMs ?? 2 * 60 * 60 * 1000;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#checks = {
      isAlive: options.isAlive ?? processAlive,
      ...(options.startTimeOf ? { startTimeOf: options.startTimeOf } : {}),
    };
  }

  /** `count` absent sums every attempt, as before plugin API 1.9 (a reader such as `stats` wants the whole cost). */
  async spent(
    scope: SpendScope,
    period: SpendPeriod,
    options: { timezone?: string; at?: Date; count?: SpendCount } = {},
  ): Promise<number> {
    const db = this.#store.forRead();
    return this.#spentIn(
      db,
      scope,
      periodRange(period, options.at ?? this.#now(), options.timezone),
      options.count ?? 'all',
    );
  }

  /**
   * Each limit counts the spend and held reservations its `count` admits (`api` by default: attempts billed by the
   * token). A limit that does not count this attempt's billing (a subscription attempt under an `api` limit) cannot
   * refuse it: the attempt spends nothing of that limit, however far past it the limit already is.
   */
  async reserve(request: {
    scopes: readonly SpendScope[];
    estimateUsd: number;
    limits: readonly SpendLimit[];
    billing?: Billing;
  }): Promise<ReserveOutcome> {
    const db = this.#store.forRead();
    const now = this.#now();
    const billing = request.billing ?? 'api';
    const scopes = [...new Set(request.scopes)];
    for (const limit of request.limits) scopeSql(limit.scope); // Refuse an unknown scope before taking the lock.
    for (const scope of scopes) scopeSql(scope);
    const reserve = db.transaction((): ReserveOutcome => {
      this.#expireStale(db, now);
      for (const limit of request.limits) {
        const count = limit.count ?? defaultLimitCount;
        if (!counts[count].includes(billing)) continue;
        const spentUsd = this.#spentIn(
          db,
          limit.scope,
          periodRange(limit.period, now, limit.timezone),
          count,
        );
        const reservedUsd = (
          db
            .prepare(
              `SELECT TOTAL(r.estimate_usd) AS held FROM reservation_scopes s
               JOIN reservations r ON r.id = s.reservation_id
               WHERE s.scope = ? AND r.status = 'held' AND r.billing IN (${placeholders(counts[count])})`,
            )
            .get(limit.scope, ...counts[count]) as { held: number }
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
        billing,
      };
      db.prepare(
        `INSERT INTO reservations
           (id, estimate_usd, pid, created_at, expires_at, status, host, pid_namespace, pid_start, lease_until,
            billing)
         VALUES (?, ?, ?, ?, ?, 'held', ?, ?, ?, ?, ?)`,
      ).run(
        reservation.id,
        reservation.estimateUsd,
        reservation.pid,
        now.toISOString(),
        new Date(now.getTime() + this.#ttlMs).toISOString(),
        this.#identity.host,
        this.#identity.namespace ?? null,
        this.#identity.startTime ?? null,
        new Date(now.getTime() + this.#leaseMs).toISOString(),
        billing,
      );
      const addScope = db.prepare('INSERT INTO reservation_scopes (scope, reservation_id) VALUES (?, ?)');
      for (const scope of scopes) addScope.run(scope, reservation.id);
      return { ok: true, reservation };
    });
    const outcome = reserve.immediate();
    if (outcome.ok) this.#keepRenewing();
    return outcome;
  }

  /**
   * Extends the lease of every reservation this process holds, so that processes that cannot check whether it is
   * alive (on another host or in another PID namespace) keep counting them. Returns how many were renewed.
   */
  renewLeases(): number {
    const db = this.#store.forRead();
    const renew = db.transaction(
      () =>
        db
          .prepare(
            `UPDATE reservations SET lease_until = ?
             WHERE status = 'held' AND pid = ? AND host IS ? AND pid_namespace IS ? AND pid_start IS ?`,
          )
          .run(
            new Date(this.#now().getTime() + this.#leaseMs).toISOString(),
            this.#identity.pid,
            this.#identity.host,
            this.#identity.namespace ?? null,
            this.#identity.startTime ?? null,
          ).changes,
    );
    return renew.immediate();
  }

  /** Renews the leases a third of the way through, while this process holds any; never keeps the process alive. */
  #keepRenewing(): void {
    if (this.#renewal) return;
    this.#renewal = setInterval(() => {
      let renewed: number;
      try {
        renewed = this.renewLeases();
      } catch {
        // A busy or closed database: the next turn tries again, and the lease still has two thirds to run.
        return;
      }
      if (renewed === 0) {
        clearInterval(this.#renewal);
        this.#renewal = undefined;
      }
    }, this.#leaseMs / 3);
    this.#renewal.unref();
  }

  /** Ends the hold; the actual cost is counted through the invocation the sink recorded, and kept here for audit. */
  async settle(reservation: Reservation, actualUsd: number): Promise<void> {
    this.#close(reservation, 'settled', actualUsd);
  }

  async release(reservation: Reservation): Promise<void> {
    this.#close(reservation, 'released', null);
  }

  /** Reservations still held (after expiring stale ones), for `budget` and tests. */
  held(): { id: string; estimateUsd: number; pid: number; billing: Billing; scopes: string[] }[] {
    const db = this.#store.forRead();
    db.transaction(() => this.#expireStale(db, this.#now())).immediate();
    const rows = db
      .prepare(
        `SELECT r.id, r.estimate_usd AS estimateUsd, r.pid, r.billing, group_concat(s.scope, char(10)) AS scopes
         FROM reservations r LEFT JOIN reservation_scopes s ON s.reservation_id = r.id
         WHERE r.status = 'held' GROUP BY r.id ORDER BY r.created_at`,
      )
      .all() as { id: string; estimateUsd: number; pid: number; billing: Billing; scopes: string | null }[];
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

  #spentIn(db: Database, scope: SpendScope, range: PeriodRange, count: SpendCount): number {
    const condition = scopeSql(scope);
    const row = db
      .prepare(
        `SELECT TOTAL(cost_usd) AS spent FROM invocations
         WHERE ${condition.sql} AND started_at >= ? AND started_at < ?
           AND billing IN (${placeholders(counts[count])})`,
      )
      .get(...condition.parameters, range.start.toISOString(), range.end.toISOString(), ...counts[count]) as {
      spent: number;
    };
    return row.spent;
  }

  /**
   * Expires held reservations whose holder is provably gone (same host and PID namespace, and its process ended or
   * its pid now belongs to a process started later), whose lease ran out where that cannot be checked, or whose time
   * to live is up.
   */
  #expireStale(db: Database, now: Date): void {
    const held = db
      .prepare(
        `SELECT id, pid, expires_at AS expiresAt, host, pid_namespace AS namespace, pid_start AS startTime,
                lease_until AS leaseUntil
         FROM reservations WHERE status = 'held'`,
      )
      .all() as {
      id: string;
      pid: number;
      expiresAt: string;
      host: string | null;
      namespace: string | null;
      startTime: string | null;
      leaseUntil: string | null;
    }[];
    const expire = db.prepare(`UPDATE reservations SET status = 'expired', closed_at = ? WHERE id = ?`);
    for (const reservation of held) {
      if (Date.parse(reservation.expiresAt) <= now.getTime()) {
        expire.run(now.toISOString(), reservation.id);
        continue;
      }
      // Written before holders were recorded: judged by pid alone, as then.
      const owner: ProcessIdentity =
        reservation.host === null
          ? { ...this.#identity, pid: reservation.pid, startTime: undefined }
          : {
              pid: reservation.pid,
              host: reservation.host,
              ...(reservation.namespace === null ? {} : { namespace: reservation.namespace }),
              ...(reservation.startTime === null ? {} : { startTime: reservation.startTime }),
            };
      const liveness =
        reservation.host === null && reservation.pid === this.#pid
          ? 'alive'
          : processLiveness(owner, this.#identity, this.#checks);
      const leaseOver =
        reservation.leaseUntil !== null && Date.parse(reservation.leaseUntil) <= now.getTime();
      if (liveness === 'gone' || (liveness === 'unknown' && leaseOver))
        expire.run(now.toISOString(), reservation.id);
    }
  }
}
