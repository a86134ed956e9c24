/**
 * Where telemetry keeps what it records (plugin API 1.10). The telemetry plugin owns the rules: which attempts count
 * against a limit, when a budget period starts, when a reservation's holder is gone, what a prompt hash is keyed with.
 * A store keeps rows and answers questions about them, each write and each reservation atomic. Two stores exist:
 * SQLite (built into the telemetry plugin, one file a machine) and PostgreSQL (`@llm-service/store-postgres`, one
 * database a team). `@llm-service/testkit`'s `telemetryStoreContract` holds both to the same behaviour.
 */
import type { DisposeOptions } from '../../plugin/define-plugin.js';
import type { Billing, PlanWindowObservation, ToolHoldV1 } from './plan-windows.js';
import type {
  AggregateRow,
  AggregateSubgrouping,
  InvocationFilter,
  InvocationRecord,
  ReserveOutcome,
  SpendLimit,
  SpendScope,
} from './telemetry.js';
import type { CostSource } from '../../events/events.js';

export type AttemptStatus = 'running' | 'success' | 'failed' | 'blocked' | 'timeout' | 'cancelled';

/**
 * One attempt as stored. Its key is (`invocationId`, `attempt`): an attempt is one row however often it is written,
 * which is what lets a spooled write be replayed safely.
 */
export interface AttemptRowV1 {
  invocationId: string;
  chainId: string;
  attempt: number;
  /** ISO 8601, as every instant here: written and read back in `toISOString()` form (UTC, milliseconds). */
  startedAt: string;
  finishedAt: string | null;
  project: string;
  taskId: string | null;
  agent: string;
  taskType: string | null;
  tool: string;
  model: string;
  reason: string;
  status: AttemptStatus;
  errorKind: string | null;
  message: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** null for an unknown cost, never 0. */
  costUsd: number | null;
  costSource: CostSource | null;
  /** What the price table gives for the usage, beside a tool-reported cost. */
  computedCostUsd: number | null;
  priceHash: string | null;
  /** The model the agent asked for, and what the same usage would have cost on it (savings). */
  baselineModel: string | null;
  baselineCostUsd: number | null;
  latencyMs: number | null;
  exitCode: number | null;
  sessionId: string | null;
  turns: number | null;
  /** The prompt's SHA-256 keyed with the store's secret (`promptKey`); never the plain hash. */
  promptHash: string | null;
  promptTokensEstimate: number | null;
  forceReason: string | null;
  pid: number | null;
  /**
   * How the attempt was paid for. null on an end whose kernel did not say (before plugin API 1.9): the row keeps what
   * its start said, and is `api` when nothing did.
   */
  billing: Billing | null;
  /** The answer, only when `telemetry.capture_content` is on. */
  answer: string | null;
}

/**
 * A write of one attempt. `start` records a running attempt unless the attempt is already recorded (a start replayed
 * after its end changes nothing); `end` records the attempt as it ended, replacing what its start wrote.
 */
export type AttemptWriteV1 = { kind: 'start'; row: AttemptRowV1 } | { kind: 'end'; row: AttemptRowV1 };

/** Who holds a reservation: a process on a host (in a PID namespace, started at a time, where known). */
export interface ReservationHolderV1 {
  pid: number;
  host: string;
  namespace?: string;
  startTime?: string;
}

/** A reservation still held, as the store keeps it. */
export interface HeldReservationV1 {
  id: string;
  scopes: readonly SpendScope[];
  estimateUsd: number;
  billing: Billing;
  pid: number;
  /** null for a reservation written before holders were recorded. */
  holder: ReservationHolderV1 | null;
  createdAt: string;
  /** Its time to live: it expires then even if its holder lives on. */
  expiresAt: string;
  /** Renewed by its holder while the attempt runs; null before leases existed. */
  leaseUntil: string | null;
}

/** One limit a reservation must fit, with the rules telemetry applied: its period's bounds and what it counts. */
export interface LimitCheckV1 {
  limit: SpendLimit;
  /** The current period, [start, end). */
  start: Date;
  end: Date;
  /** The billings whose spend and held reservations count against it. */
  billings: readonly Billing[];
}

export interface StoreReserveRequestV1 {
  id: string;
  scopes: readonly SpendScope[];
  estimateUsd: number;
  billing: Billing;
  holder: ReservationHolderV1;
  now: Date;
  expiresAt: Date;
  leaseUntil: Date;
  /** Only the limits that count this attempt's billing: the store checks every check given. */
  checks: readonly LimitCheckV1[];
  /**
   * Judges, inside the reservation's transaction, whether a held reservation has expired (its holder gone, its lease
   * run out, its time to live up); expired ones are marked so and stop counting.
   */
  isExpired(held: HeldReservationV1): boolean;
}

/** Spend of the attempts a scope covers, started in [start, end), of the given billings. */
export interface SpendQueryV1 {
  scope: SpendScope;
  start: Date;
  end: Date;
  billings: readonly Billing[];
}

/** A calendar bucket of an aggregate by day, week or month, with the label its rows get. */
export interface TimeBucketV1 {
  start: Date;
  end: Date;
  label: string;
}

export interface StoreAggregateRequestV1 {
  filter: InvocationFilter;
  /** Group by a column, or into the given calendar buckets (computed by telemetry, in the reader's time zone). */
  groupBy: AggregateSubgrouping | { buckets: readonly TimeBucketV1[] };
  thenBy?: AggregateSubgrouping;
}

/** An attempt as a reader sees it, with the process that ran it (to tell a running attempt from an abandoned one). */
export interface StoredInvocationV1 extends InvocationRecord {
  pid: number | null;
}

export interface SavingsRowV1 {
  group: string;
  baselineUsd: number;
  actualUsd: number;
  invocations: number;
}

/** Tool-reported costs against the price table's, over the attempts a filter selects. */
export interface CostCheckV1 {
  toolReportedCalls: number;
  toolReportedUsd: number;
  computedUsd: number;
  /** Attempts where the two differ by more than 5% (and more than $0.0001). */
  disagreeing: number;
}

export interface PruneRequestV1 {
  before: Date;
  now: Date;
  /** Whether a still running attempt started before `before` is kept (its process lives on). */
  keepRunning(attempt: StoredInvocationV1): boolean;
}

export interface PruneResultV1 {
  invocations: number;
  reservations: number;
  planWindowObservations: number;
}

/** Where a store's schema stands: what `telemetry migrate` and messages report. */
export interface StoreSchemaV1 {
  version: number;
  /** The newest version this store's code knows. */
  latest: number;
}

/**
 * Telemetry's storage. Every method may reject with a `TelemetryError`-like error whose message says what failed
 * and where (a path, or a database URL without its password). Reads of a store with nothing recorded yet answer
 * empty. Nothing here is cached across calls: several processes (and machines) share one store.
 */
export interface TelemetryStoreV1 {
  readonly specificationVersion: 'v1';
  /** `sqlite`, `postgres`, or a third party's. */
  readonly kind: string;
  /** Where it keeps its rows, for messages: a path, or a URL without its password. */
  readonly location: string;

  // Recording
  /** Writes attempts in one transaction: all of them or none. */
  write(batch: readonly AttemptWriteV1[]): Promise<void>;
  /**
   * The same, completed before it returns, for a store that can (SQLite): a process that exits right after an
   * attempt then loses nothing. A store without it is written asynchronously, and telemetry spools what is left.
   */
  writeNow?(batch: readonly AttemptWriteV1[]): void;
  /** The secret prompt hashes are keyed with, created with the store; the same for every process sharing it. */
  promptKey(): Promise<string>;
  /** The same, at once, for a store that provides `writeNow`. */
  promptKeyNow?(): string;

  // The spend ledger
  spent(query: SpendQueryV1): Promise<number>;
  /**
   * Expires stale reservations (at least those on the scopes it checks), checks every limit (spend plus held
   * reservations plus this estimate) and, when all fit, holds the reservation: all in one transaction serialised with
   * every other reservation on the same scopes, so no two processes (or machines) can both take the last of a budget.
   */
  reserve(request: StoreReserveRequestV1): Promise<ReserveOutcome>;
  /** Ends a held reservation; one already ended is left as it is. */
  closeReservation(
    id: string,
    outcome: { status: 'settled' | 'released'; actualUsd: number | null; at: Date },
  ): Promise<void>;
  /** Extends the lease of every reservation the holder still holds; returns how many. */
  renewLeases(holder: ReservationHolderV1, leaseUntil: Date): Promise<number>;
  /** Reservations still held after expiring those `isExpired` judges so, oldest first. */
  heldReservations(isExpired: (held: HeldReservationV1) => boolean, now: Date): Promise<HeldReservationV1[]>;

  // Reading
  /** Newest first (oldest first with `asc`), at most `filter.limit` (default 1,000). */
  invocations(filter: InvocationFilter, order?: 'asc' | 'desc'): Promise<StoredInvocationV1[]>;
  /** The first and last start among the attempts a filter selects; null when none. */
  span(filter: InvocationFilter): Promise<{ first: string; last: string } | null>;
  /**
   * Per group: counts, tokens, cost (estimated and unknown apart), average and nearest-rank p95 latency of successful
   * attempts. Column groups come most expensive first; buckets in time order, empty ones left out.
   */
  aggregate(request: StoreAggregateRequestV1): Promise<AggregateRow[]>;
  /**
   * What the agents' requested models would have cost against what ran, over attempts with both priced: whole (one
   * row whose `group` is `all`), or per `reason` or `agent` (most saved first). A downgraded attempt whose request
   * escalated has baseline 0.
   */
  savings(filter: InvocationFilter, by?: 'reason' | 'agent'): Promise<SavingsRowV1[]>;
  /** Average and nearest-rank p95 latency of the successful attempts a filter selects. */
  latency(filter: InvocationFilter): Promise<{ average: number | null; p95: number | null }>;
  costCheck(filter: InvocationFilter): Promise<CostCheckV1>;
  /** Attempts in the whole store, every project's. */
  count(): Promise<number>;
  /**
   * Every attempt whose key comes after `after` (ordered by invocation id, then attempt), at most `limit`: a full
   * export in pages, which `telemetry migrate` resumes from its last key.
   */
  exportAttempts(
    after: { invocationId: string; attempt: number } | undefined,
    limit: number,
  ): Promise<AttemptRowV1[]>;

  // Plan windows (the rules of PlanWindowsV1, which the telemetry plugin provides over these)
  recordObservation(observation: PlanWindowObservation): Promise<void>;
  latestObservations(options?: { tool?: string }): Promise<PlanWindowObservation[]>;
  observationHistory(options?: {
    tool?: string;
    window?: string;
    since?: Date;
    limit?: number;
  }): Promise<PlanWindowObservation[]>;
  /** A later hold of the same tool that ends sooner does not shorten the one in force. */
  hold(hold: ToolHoldV1): Promise<void>;
  heldUntil(tool: string, now: Date): Promise<ToolHoldV1 | undefined>;

  // Upkeep
  /**
   * Deletes attempts started before `before` (but running ones `keepRunning` keeps) with their content, reservations
   * that ended before it, readings observed before it and holds that ended before it and before `now`.
   */
  prune(request: PruneRequestV1): Promise<PruneResultV1>;
  /** Like every other method, brings the schema up to date first (a newer one is refused). */
  schema(): Promise<StoreSchemaV1>;
  /** Calls `onChange` soon after anything may have been recorded (spurious calls allowed); returns the stop. */
  watch?(onChange: () => void): () => void;
  /** Ends the store's connections; `options` (plugin API 1.12) says whether the process ends right after. */
  close(options?: DisposeOptions): Promise<void>;
}

/** What a store plugin provides: opens its store for the telemetry plugin, which picks it by `telemetry.store`. */
export interface TelemetryStoreProviderV1 {
  readonly specificationVersion: 'v1';
  /** The value of `telemetry.store` that selects it. */
  readonly kind: string;
  /**
   * Opens nothing yet: the store connects on first use. `url` is `telemetry.url` with `${VAR}` expanded; `project`
   * is the configuration's project, which a store may enforce (PostgreSQL's row-level security): where it does, a
   * role's `count()` and `global` spend cover only that project's rows.
   */
  open(options: { url: string; project: string; configDir: string }): TelemetryStoreV1;
}
