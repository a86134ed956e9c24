import type {
  AggregateRow,
  AttemptRowV1,
  AttemptWriteV1,
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
  TelemetryStoreProviderV1,
  TelemetryStoreV1,
  ToolHoldV1,
} from '@llm-service/spec';
import type { PoolClient } from 'pg';
import { Database, type DatabaseOptions } from './connection/database.js';
import * as ledger from './ledger/ledger.js';
import * as planWindows from './plan-windows/plan-windows.js';
import { prune } from './queries/prune.js';
import * as read from './queries/read.js';
import { writeAttempts } from './queries/write.js';
import { latestSchemaVersion, promptKeyName, schemaName } from './schema/migrations.js';

export const postgresStoreKind = 'postgres';

/**
 * TelemetryStoreV1 over a PostgreSQL database a team shares. Opening connects to nothing: the first call connects,
 * migrates if needed and checks the role may act for the project. Every failure names the database without its
 * password.
 */
export class PostgresTelemetryStore implements TelemetryStoreV1 {
  readonly specificationVersion = 'v1' as const;
  readonly kind = postgresStoreKind;
  readonly location: string;
  readonly #database: Database;

  constructor(options: DatabaseOptions) {
    this.#database = new Database(options);
    this.location = this.#database.location;
  }

  write(batch: readonly AttemptWriteV1[]): Promise<void> {
    if (batch.length === 0) return Promise.resolve();
    return this.#transaction('writing attempts', (client) => writeAttempts(client, batch));
  }

  promptKey(): Promise<string> {
    return this.#read('reading the prompt key', async (client) => {
      const result = await client.query<{ value: string }>(
        `SELECT value FROM ${schemaName}.meta WHERE key = $1`,
        [promptKeyName],
      );
      const value = result.rows[0]?.value;
      if (value === undefined) throw new Error('the prompt key is missing from the meta table');
      return value;
    });
  }

  spent(query: SpendQueryV1): Promise<number> {
    return this.#read('reading spend', (client) => ledger.spentIn(client, query));
  }

  reserve(request: StoreReserveRequestV1): Promise<ReserveOutcome> {
    return this.#transaction('reserving budget', (client) =>
      ledger.reserveIn(client, request, this.#database.project),
    );
  }

  closeReservation(
    id: string,
    outcome: { status: 'settled' | 'released'; actualUsd: number | null; at: Date },
  ): Promise<void> {
    return this.#transaction('closing a reservation', (client) =>
      ledger.closeReservation(client, id, outcome),
    );
  }

  renewLeases(holder: ReservationHolderV1, leaseUntil: Date): Promise<number> {
    return this.#transaction('renewing leases', (client) => ledger.renewLeases(client, holder, leaseUntil));
  }

  heldReservations(isExpired: (held: HeldReservationV1) => boolean, now: Date): Promise<HeldReservationV1[]> {
    return this.#transaction('reading reservations', (client) =>
      ledger.heldReservations(client, isExpired, now),
    );
  }

  invocations(filter: InvocationFilter, order: 'asc' | 'desc' = 'desc'): Promise<StoredInvocationV1[]> {
    return this.#read('reading attempts', (client) => read.selectInvocations(client, filter, order));
  }

  span(filter: InvocationFilter): Promise<{ first: string; last: string } | null> {
    return this.#read('reading attempts', (client) => read.selectSpan(client, filter));
  }

  aggregate(request: StoreAggregateRequestV1): Promise<AggregateRow[]> {
    return this.#read('aggregating attempts', (client) => read.selectAggregate(client, request));
  }

  savings(filter: InvocationFilter, by?: 'reason' | 'agent'): Promise<SavingsRowV1[]> {
    return this.#read('reading savings', (client) => read.selectSavings(client, filter, by));
  }

  latency(filter: InvocationFilter): Promise<{ average: number | null; p95: number | null }> {
    return this.#read('reading latency', (client) => read.selectLatency(client, filter));
  }

  costCheck(filter: InvocationFilter): Promise<CostCheckV1> {
    return this.#read('checking costs', (client) => read.selectCostCheck(client, filter));
  }

  count(): Promise<number> {
    return this.#read('counting attempts', (client) => read.countAll(client));
  }

  exportAttempts(
    after: { invocationId: string; attempt: number } | undefined,
    limit: number,
  ): Promise<AttemptRowV1[]> {
    return this.#read('exporting attempts', (client) => read.selectExport(client, after, limit));
  }

  recordObservation(observation: PlanWindowObservation): Promise<void> {
    return this.#transaction('recording a plan window', (client) =>
      planWindows.recordObservation(client, observation),
    );
  }

  latestObservations(options?: { tool?: string }): Promise<PlanWindowObservation[]> {
    return this.#read('reading plan windows', (client) => planWindows.latestObservations(client, options));
  }

  observationHistory(options?: {
    tool?: string;
    window?: string;
    since?: Date;
    limit?: number;
  }): Promise<PlanWindowObservation[]> {
    return this.#read('reading plan windows', (client) => planWindows.observationHistory(client, options));
  }

  hold(value: ToolHoldV1): Promise<void> {
    return this.#transaction('holding a tool', (client) => planWindows.hold(client, value));
  }

  heldUntil(tool: string, now: Date): Promise<ToolHoldV1 | undefined> {
    return this.#read('reading holds', (client) => planWindows.heldUntil(client, tool, now));
  }

  async prune(request: PruneRequestV1): Promise<PruneResultV1> {
    try {
      return await prune((work) => this.#database.transaction(work), request);
    } catch (error) {
      throw this.#database.describe(error, 'pruning');
    }
  }

  async schema(): Promise<StoreSchemaV1> {
    try {
      return { version: await this.#database.version(), latest: latestSchemaVersion };
    } catch (error) {
      throw this.#database.describe(error, 'reading the schema version');
    }
  }

  /** Soon after any machine commits a change (PostgreSQL's LISTEN/NOTIFY); spurious calls possible. */
  watch(onChange: () => void): () => void {
    return this.#database.listen(onChange);
  }

  close(): Promise<void> {
    return this.#database.close();
  }

  async #read<T>(doing: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    try {
      return await this.#database.withClient(work);
    } catch (error) {
      throw this.#database.describe(error, doing);
    }
  }

  async #transaction<T>(doing: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    try {
      return await this.#database.transaction(work);
    } catch (error) {
      throw this.#database.describe(error, doing);
    }
  }
}

/** What the telemetry plugin opens a store through when `telemetry.store` is `postgres`. */
export const postgresStoreProvider: TelemetryStoreProviderV1 = {
  specificationVersion: 'v1',
  kind: postgresStoreKind,
  open: ({ url, project }) => new PostgresTelemetryStore({ url, project }),
};
