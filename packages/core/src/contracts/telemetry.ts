/** Spend scopes of DESIGN section 2: `global`, `agent:<name>`, `tool:<name>`, `model:<name>`, `chain:<id>`. */
export type SpendScope = string;
export type SpendPeriod = 'daily' | 'weekly' | 'monthly';

export interface SpendLimit {
  scope: SpendScope;
  period: SpendPeriod;
  limitUsd: number;
  timezone?: string;
}

export interface Reservation {
  id: string;
  scopes: readonly SpendScope[];
  estimateUsd: number;
  pid: number;
}

export type ReserveOutcome =
  | { ok: true; reservation: Reservation }
  | { ok: false; limit: SpendLimit; spentUsd: number; reservedUsd: number };

/** Provided by the telemetry plugin; the policy engine reads spend only through it. */
export interface SpendLedgerV1 {
  readonly specificationVersion: 'v1';
  spent(scope: SpendScope, period: SpendPeriod, options?: { timezone?: string; at?: Date }): Promise<number>;
  /** Checks every limit and reserves in one transaction. */
  reserve(request: {
    scopes: readonly SpendScope[];
    estimateUsd: number;
    limits: readonly SpendLimit[];
  }): Promise<ReserveOutcome>;
  settle(reservation: Reservation, actualUsd: number): Promise<void>;
  release(reservation: Reservation): Promise<void>;
}

export interface InvocationFilter {
  since?: Date;
  until?: Date;
  agent?: string;
  tool?: string;
  model?: string;
  taskType?: string;
  chainId?: string;
  status?: string;
  limit?: number;
}

export interface InvocationRecord {
  invocationId: string;
  chainId: string;
  attempt: number;
  startedAt: string;
  finishedAt: string | null;
  agent: string;
  taskType: string | null;
  tool: string;
  model: string;
  reason: string;
  status: string;
  errorKind: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number | null;
  costSource: 'tool' | 'computed' | null;
  latencyMs: number | null;
}

export interface AggregateRow {
  group: string;
  invocations: number;
  successes: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  averageLatencyMs: number | null;
  p95LatencyMs: number | null;
}

/** Provided by the telemetry plugin: what `stats`, `budget` and the dashboard read. */
export interface TelemetryQueryV1 {
  readonly specificationVersion: 'v1';
  invocations(filter: InvocationFilter): Promise<readonly InvocationRecord[]>;
  aggregate(request: {
    filter: InvocationFilter;
    groupBy: 'agent' | 'model' | 'tool' | 'task-type' | 'day' | 'week' | 'month';
    timezone?: string;
  }): Promise<readonly AggregateRow[]>;
  running(): Promise<readonly InvocationRecord[]>;
  savings(filter: InvocationFilter): Promise<{ baselineUsd: number; actualUsd: number }>;
}
