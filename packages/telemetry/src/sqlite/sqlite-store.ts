import type {
  AggregateRow,
  AttemptRowV1,
  AttemptWriteV1,
  DisposeOptions,
  CostCheckV1,
  HeldReservationV1,
  InvocationFilter,
  PlanWindowObservation,
  PruneRequestV1,
  PruneResultV1,
  ReservationHolderV1,
  ReserveOutcome,
  SavingsRowV1,
  SpendQueryV1,
  StoreAggregateRequestV1,
  StoredInvocationV1,
  StoreReserveRequestV1,
  StoreSchemaV1,
  TelemetryStoreV1,
  ToolHoldV1,
} from '@llm-service/spec';
import { latestSchemaVersion } from '../store/migrations.js';
import {
  MissingDatabaseError,
  promptSecret,
  TelemetryStore,
  userVersion,
  type StoreOptions,
} from '../store/store.js';
import type { Database } from '../store/driver.js';
import { watchFiles } from '../query/watch-files.js';
import { attemptWriter, exportAttemptsFrom } from './attempt-sql.js';
import { closeIn, expireStale, renewIn, reserveIn, selectHeld, spentIn } from './ledger-sql.js';
import {
  holdIn,
  recordObservationIn,
  selectHold,
  selectLatestObservations,
  selectObservationHistory,
} from './plan-window-sql.js';
import {
  selectAggregate,
  selectCostCheck,
  selectCount,
  selectInvocations,
  selectLatency,
  selectSavings,
  selectSpan,
} from './query-sql.js';
import { pruneIn } from './prune-sql.js';

export interface SqliteTelemetryStoreOptions extends StoreOptions {
  /** Files whose changes `watch` also reports (the JSONL event stream). */
  alsoWatch?: readonly string[];
}

/**
 * TelemetryStoreV1 over one SQLite file, the default store: one connection a process, opened on first use, every
 * write in an IMMEDIATE transaction (SQLite's write lock serialises processes sharing the file). Synchronous under
 * its promises, so it also offers `writeNow`: a process that exits right after an attempt has recorded it.
 */
export class SqliteTelemetryStore implements TelemetryStoreV1 {
  readonly specificationVersion = 'v1' as const;
  readonly kind = 'sqlite';
  readonly location: string;
  /** The connection, for tests and the commands that read the file as a file. */
  readonly connection: TelemetryStore;
  readonly #alsoWatch: readonly string[];
  #writer: ((batch: readonly AttemptWriteV1[]) => void) | undefined;
  #key: string | undefined;

  constructor(options: SqliteTelemetryStoreOptions | TelemetryStore) {
    this.connection = options instanceof TelemetryStore ? options : new TelemetryStore(options);
    this.location = this.connection.path;
    this.#alsoWatch = options instanceof TelemetryStore ? [] : (options.alsoWatch ?? []);
  }

  async write(batch: readonly AttemptWriteV1[]): Promise<void> {
    this.writeNow(batch);
  }

  writeNow(batch: readonly AttemptWriteV1[]): void {
    if (batch.length === 0) return;
    this.#writer ??= attemptWriter(this.connection.open());
    this.#writer(batch);
  }

  async promptKey(): Promise<string> {
    return this.promptKeyNow();
  }

  promptKeyNow(): string {
    this.#key ??= promptSecret(this.connection.open(), this.location);
    return this.#key;
  }

  async spent(query: SpendQueryV1): Promise<number> {
    return this.#read((db) => spentIn(db, query), 0);
  }

  async reserve(request: StoreReserveRequestV1): Promise<ReserveOutcome> {
    return reserveIn(this.connection.open(), request);
  }

  async closeReservation(
    id: string,
    outcome: { status: 'settled' | 'released'; actualUsd: number | null; at: Date },
  ): Promise<void> {
    closeIn(this.connection.open(), id, outcome);
  }

  async renewLeases(holder: ReservationHolderV1, leaseUntil: Date): Promise<number> {
    return renewIn(this.connection.open(), holder, leaseUntil);
  }

  async heldReservations(
    isExpired: (held: HeldReservationV1) => boolean,
    now: Date,
  ): Promise<HeldReservationV1[]> {
    const db = this.connection.open();
    db.transaction(() => expireStale(db, isExpired, now)).immediate();
    return selectHeld(db);
  }

  async invocations(filter: InvocationFilter, order: 'asc' | 'desc' = 'desc'): Promise<StoredInvocationV1[]> {
    return this.#read((db) => selectInvocations(db, filter, order), []);
  }

  async span(filter: InvocationFilter): Promise<{ first: string; last: string } | null> {
    return this.#read((db) => selectSpan(db, filter), null);
  }

  async aggregate(request: StoreAggregateRequestV1): Promise<AggregateRow[]> {
    return this.#read((db) => selectAggregate(db, request), []);
  }

  async savings(filter: InvocationFilter, by?: 'reason' | 'agent'): Promise<SavingsRowV1[]> {
    return this.#read(
      (db) => selectSavings(db, filter, by),
      by === undefined ? [{ group: 'all', baselineUsd: 0, actualUsd: 0, invocations: 0 }] : [],
    );
  }

  async latency(filter: InvocationFilter): Promise<{ average: number | null; p95: number | null }> {
    return this.#read((db) => selectLatency(db, filter), { average: null, p95: null });
  }

  async costCheck(filter: InvocationFilter): Promise<CostCheckV1> {
    return this.#read((db) => selectCostCheck(db, filter), {
      toolReportedCalls: 0,
      toolReportedUsd: 0,
      computedUsd: 0,
      disagreeing: 0,
    });
  }

  async count(): Promise<number> {
    return this.#read(selectCount, 0);
  }

  async exportAttempts(
    after: { invocationId: string; attempt: number } | undefined,
    limit: number,
  ): Promise<AttemptRowV1[]> {
    return this.#read((db) => exportAttemptsFrom(db, after, limit), []);
  }

  async recordObservation(observation: PlanWindowObservation): Promise<void> {
    recordObservationIn(this.connection.open(), observation);
  }

  async latestObservations(options: { tool?: string } = {}): Promise<PlanWindowObservation[]> {
    return this.#read((db) => selectLatestObservations(db, this.location, options.tool), []);
  }

  async observationHistory(
    options: { tool?: string; window?: string; since?: Date; limit?: number } = {},
  ): Promise<PlanWindowObservation[]> {
    return this.#read((db) => selectObservationHistory(db, this.location, options), []);
  }

  async hold(hold: ToolHoldV1): Promise<void> {
    holdIn(this.connection.open(), hold);
  }

  async heldUntil(tool: string, now: Date): Promise<ToolHoldV1 | undefined> {
    return this.#read((db) => selectHold(db, this.location, tool, now), undefined);
  }

  async prune(request: PruneRequestV1): Promise<PruneResultV1> {
    return this.#read((db) => pruneIn(db, request), {
      invocations: 0,
      reservations: 0,
      planWindowObservations: 0,
    });
  }

  async schema(): Promise<StoreSchemaV1> {
    return { version: this.#read(userVersion, 0), latest: latestSchemaVersion };
  }

  watch(onChange: () => void): () => void {
    return watchFiles([this.location, ...this.#alsoWatch], onChange);
  }

  async close(options?: DisposeOptions): Promise<void> {
    this.connection.close(options);
  }

  /** Runs a read; a database that does not exist yet (a reader opened with `create: false`) reads as empty. */
  #read<T>(read: (db: Database) => T, empty: T): T {
    let db: Database;
    try {
      db = this.connection.open();
    } catch (error) {
      if (error instanceof MissingDatabaseError) return empty;
      throw error;
    }
    return read(db);
  }
}
