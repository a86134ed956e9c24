import { randomUUID } from 'node:crypto';
import {
  currentProcessIdentity,
  periodRange,
  processAlive,
  processLiveness,
  type ProcessIdentity,
} from '@llm-service/plugin-kit';
import type {
  Billing,
  HeldReservationV1,
  Reservation,
  ReserveOutcome,
  SpendLedgerV1,
  SpendLimit,
  SpendPeriod,
  SpendScope,
  TelemetryStoreV1,
} from '@llm-service/spec';
import { scopeSql } from '../sqlite/scope-sql.js';

/** What a limit (or a reader of `spent`) counts: `SpendLimit.count`. */
export type SpendCount = NonNullable<SpendLimit['count']>;

/** The billings each `count` admits, for spend and held reservations alike. */
const counts: Record<SpendCount, readonly Billing[]> = {
  api: ['api'],
  all: ['api', 'subscription'],
};

/** A limit without `count` counts attempts billed by the token only: subscriptions are paid in windows, not dollars. */
const defaultLimitCount: SpendCount = 'api';

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
  /** Work to finish before reading spend: this process's queued attempts (see ReadBarrier). */
  beforeRead?: () => Promise<void> | void;
}

/**
 * The UTC instants of the period (day, ISO week, month) that contains `at` in `timezone` (default UTC): the plugin
 * kit's `periodRange`, the calendar budgets reset on, under the name this package exports.
 */
export const spendPeriod: typeof periodRange = periodRange;

/**
 * SpendLedgerV1 over a telemetry store. Spend is the cost of the attempts recorded in a period (counted in the period
 * where the attempt started); reservations hold an estimate until they are settled or released, and a reservation
 * counts against a limit when its scopes include the limit's scope. The rules live here: which billings a limit
 * counts, the period a limit reads, when a reservation's holder is gone; the store applies them atomically.
 */
export class SpendLedger implements SpendLedgerV1 {
  readonly specificationVersion = 'v1' as const;
  readonly #store: TelemetryStoreV1;
  readonly #pid: number;
  readonly #now: () => Date;
  readonly #ttlMs: number;
  readonly #leaseMs: number;
  readonly #identityOption: ProcessIdentity | undefined;
  readonly #beforeRead: () => Promise<void> | void;
  #knownIdentity: ProcessIdentity | undefined;
  readonly #checks: { isAlive: (pid: number) => boolean; startTimeOf?: (pid: number) => string | undefined };
  #renewal: NodeJS.Timeout | undefined;

  /** Who holds this ledger's reservations; read from /proc on first use, since most runs reserve nothing. */
  get #identity(): ProcessIdentity {
    this.#knownIdentity ??= this.#identityOption ?? { ...currentProcessIdentity(), pid: this.#pid };
    return this.#knownIdentity;
  }

  constructor(store: TelemetryStoreV1, options: SpendLedgerOptions = {}) {
    this.#store = store;
    this.#identityOption =
      options.identity && options.pid !== undefined
        ? { ...options.identity, pid: options.pid }
        : options.identity;
    this.#pid = options.pid ?? options.identity?.pid ?? process.pid;
    this.#now = options.now ?? (() => new Date());
    this.#ttlMs = options.reservationTtlMs ?? 2 * 60 * 60 * 1000;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#beforeRead = options.beforeRead ?? (() => undefined);
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
    scopeSql(scope);
    await this.#beforeRead();
    const range = periodRange(period, options.at ?? this.#now(), options.timezone);
    return this.#store.spent({ scope, ...range, billings: counts[options.count ?? 'all'] });
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
    for (const limit of request.limits) scopeSql(limit.scope); // Refuse an unknown scope before any lock.
    for (const scope of request.scopes) scopeSql(scope);
    await this.#beforeRead();
    const now = this.#now();
    const billing = request.billing ?? 'api';
    const checks = request.limits
      .filter((limit) => counts[limit.count ?? defaultLimitCount].includes(billing))
      .map((limit) => ({
        limit,
        ...periodRange(limit.period, now, limit.timezone),
        billings: counts[limit.count ?? defaultLimitCount],
      }));
    const outcome = await this.#store.reserve({
      id: randomUUID(),
      scopes: [...new Set(request.scopes)],
      estimateUsd: request.estimateUsd,
      billing,
      holder: this.#identity,
      now,
      expiresAt: new Date(now.getTime() + this.#ttlMs),
      leaseUntil: new Date(now.getTime() + this.#leaseMs),
      checks,
      isExpired: (held) => this.#isExpired(held, now),
    });
    if (outcome.ok) this.#keepRenewing();
    return outcome;
  }

  /**
   * Extends the lease of every reservation this process holds, so that processes that cannot check whether it is
   * alive (on another host or in another PID namespace) keep counting them. Returns how many were renewed.
   */
  renewLeases(): Promise<number> {
    return this.#store.renewLeases(this.#identity, new Date(this.#now().getTime() + this.#leaseMs));
  }

  /** Renews the leases a third of the way through, while this process holds any; never keeps the process alive. */
  #keepRenewing(): void {
    if (this.#renewal) return;
    this.#renewal = setInterval(() => {
      this.renewLeases().then(
        (renewed) => {
          if (renewed > 0) return;
          clearInterval(this.#renewal);
          this.#renewal = undefined;
        },
        // A busy or unreachable store: the next turn tries again, and the lease still has two thirds to run.
        () => undefined,
      );
    }, this.#leaseMs / 3);
    this.#renewal.unref();
  }

  /** Ends the hold; the actual cost is counted through the attempt the sink recorded, and kept here for audit. */
  async settle(reservation: Reservation, actualUsd: number): Promise<void> {
    await this.#store.closeReservation(reservation.id, { status: 'settled', actualUsd, at: this.#now() });
  }

  async release(reservation: Reservation): Promise<void> {
    await this.#store.closeReservation(reservation.id, {
      status: 'released',
      actualUsd: null,
      at: this.#now(),
    });
  }

  /** Reservations still held (after expiring stale ones), for `budget` and tests. */
  async held(): Promise<
    { id: string; estimateUsd: number; pid: number; billing: Billing; scopes: string[] }[]
  > {
    const now = this.#now();
    const held = await this.#store.heldReservations((reservation) => this.#isExpired(reservation, now), now);
    return held.map((reservation) => ({
      id: reservation.id,
      estimateUsd: reservation.estimateUsd,
      pid: reservation.pid,
      billing: reservation.billing,
      scopes: [...reservation.scopes],
    }));
  }

  /**
   * A held reservation has expired when its time to live is up, when its holder is provably gone (same host and PID
   * namespace, and its process ended or its pid now belongs to a process started later), or when its lease ran out
   * where that cannot be checked (another machine sharing the database).
   */
  #isExpired(held: HeldReservationV1, now: Date): boolean {
    if (Date.parse(held.expiresAt) <= now.getTime()) return true;
    // Written before holders were recorded: judged by pid alone, as then.
    const owner: ProcessIdentity = held.holder ?? { ...this.#identity, pid: held.pid, startTime: undefined };
    const liveness =
      held.holder === null && held.pid === this.#pid
        ? 'alive'
        : processLiveness(owner, this.#identity, this.#checks);
    const leaseOver = held.leaseUntil !== null && Date.parse(held.leaseUntil) <= now.getTime();
    return liveness === 'gone' || (liveness === 'unknown' && leaseOver);
  }
}
