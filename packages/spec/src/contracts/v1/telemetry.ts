import type { Billing, PlanWindowObservation, ToolHoldV1 } from './plan-windows.js';
import type { CostSource } from '../../events/events.js';

/**
 * Spend scopes of DESIGN section 2: `global` (every project), `agent:<name>`, `tool:<name>`, `model:<name>`,
 * `chain:<id>`, `task-type:<name>` and (plugin API 1.4) `project:<name>`.
 */
export type SpendScope = string;
export type SpendPeriod = 'daily' | 'weekly' | 'monthly';

export interface SpendLimit {
  scope: SpendScope;
  period: SpendPeriod;
  limitUsd: number;
  timezone?: string;
  /**
   * Which attempts' cost counts against it (plugin API 1.9): `api` (the default) counts attempts of tools billed by
   * the token only; `all` counts subscription attempts too, at their list price.
   */
  count?: 'api' | 'all';
}

export interface Reservation {
  id: string;
  scopes: readonly SpendScope[];
  estimateUsd: number;
  pid: number;
  /** Plugin API 1.9; `api` when absent. */
  billing?: Billing;
}

export type ReserveOutcome =
  | { ok: true; reservation: Reservation }
  | { ok: false; limit: SpendLimit; spentUsd: number; reservedUsd: number };

/** Provided by the telemetry plugin; the policy engine reads spend only through it. */
export interface SpendLedgerV1 {
  readonly specificationVersion: 'v1';
  /** `count`: as `SpendLimit.count` (plugin API 1.9); `all` when absent, as before. */
  spent(
    scope: SpendScope,
    period: SpendPeriod,
    options?: { timezone?: string; at?: Date; count?: 'api' | 'all' },
  ): Promise<number>;
  /** Checks every limit and reserves in one transaction. */
  reserve(request: {
    scopes: readonly SpendScope[];
    estimateUsd: number;
    limits: readonly SpendLimit[];
    /**
     * How the attempt is paid for (plugin API 1.9; `api` when absent). A subscription attempt's reservation and spend
     * count only against limits with `count: all`.
     */
    billing?: Billing;
  }): Promise<ReserveOutcome>;
  settle(reservation: Reservation, actualUsd: number): Promise<void>;
  release(reservation: Reservation): Promise<void>;
}

export interface InvocationFilter {
  /** Only this project's rows (plugin API 1.4); every project's when absent. */
  project?: string;
  /** Only this task's attempts (plugin API 1.5). */
  taskId?: string;
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
  /** null while running, for a failure that spent nothing, and for an unknown cost. */
  costUsd: number | null;
  costSource: CostSource | null;
  latencyMs: number | null;
  /** The project of the request (plugin API 1.4); `default` for rows recorded before projects existed. */
  project: string;
  /** What went wrong for a failed or blocked attempt, or the note on an estimated cost (plugin API 1.4). */
  message: string | null;
  /** The reason given with `--force`, when the request was forced past a budget (plugin API 1.4). */
  forceReason: string | null;
  /** The task the request worked on (plugin API 1.5). */
  taskId: string | null;
  /** How the tool was paid for (plugin API 1.9); `api` for rows recorded before billing existed. */
  billing: Billing;
}

/** `project` since plugin API 1.4, `task` since 1.5. */
export type AggregateGrouping =
  'agent' | 'model' | 'tool' | 'task-type' | 'project' | 'task' | 'day' | 'week' | 'month';
/** The groupings that can split each group of an aggregate a second time. */
export type AggregateSubgrouping = Exclude<AggregateGrouping, 'day' | 'week' | 'month'>;

export interface AggregateRow {
  group: string;
  /** The value of `thenBy`, when the request named one. */
  subgroup?: string;
  invocations: number;
  successes: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  /** The part of `costUsd` that is estimated, not reported or computed from reported usage (plugin API 1.4). */
  estimatedCostUsd: number;
  /** Attempts whose cost is unknown, so not in `costUsd` (plugin API 1.4). */
  unknownCostInvocations: number;
  averageLatencyMs: number | null;
  p95LatencyMs: number | null;
}

/** Provided by the telemetry plugin: what `stats`, `budget` and the dashboard read. */
export interface TelemetryQueryV1 {
  readonly specificationVersion: 'v1';
  invocations(filter: InvocationFilter): Promise<readonly InvocationRecord[]>;
  aggregate(request: {
    filter: InvocationFilter;
    groupBy: AggregateGrouping;
    /** A second grouping within each group (e.g. `day` then `model` for a chart); rows then carry `subgroup`. */
    thenBy?: AggregateSubgrouping;
    timezone?: string;
  }): Promise<readonly AggregateRow[]>;
  running(): Promise<readonly InvocationRecord[]>;
  savings(filter: InvocationFilter): Promise<{ baselineUsd: number; actualUsd: number }>;
  /**
   * Calls `onChange` soon after any process may have recorded something (a commit to the database, a line of the
   * event stream), so a reader such as the dashboard need not poll fast. Calls can be spurious and are not counted;
   * read again on each. Returns the function that stops watching. Optional: without it, readers poll.
   */
  watch?(onChange: () => void): () => void;
}

/** One budget of the configuration with what has been spent against it in its current period. */
export interface BudgetStatusV1 {
  /** Its position in the configuration's `budgets:`. */
  index: number;
  scope: string;
  /** The spend scope read: `chain:<id>` for a chain budget given a chain id; null for a chain budget without one. */
  spendScope: string | null;
  period: SpendPeriod;
  timezone: string;
  mode: 'soft' | 'hard';
  limitUsd: number;
  /** Which attempts' cost it counts (plugin API 1.9): `api` only, or `all` (subscription attempts at list price). */
  count?: 'api' | 'all';
  alertAtPercent: number | null;
  /** null for a chain budget without a chain id (each chain has its own allowance). */
  spentUsd: number | null;
  /** spent / limit × 100, null with spentUsd. */
  percent: number | null;
  /** `ok`, `alert` (at or past alert_at_percent), `exceeded` (at or past the limit), or `per-chain`. */
  state: 'ok' | 'alert' | 'exceeded' | 'per-chain';
  periodStart: string;
  resetsAt: string;
  resetsInMs: number;
}

/** One tool's plan window as `budget` shows it (plugin API 1.9): its latest observation and any hold on the tool. */
export interface PlanWindowStatusV1 extends PlanWindowObservation {
  /** How long ago it was observed, in ms: an old reading may no longer say where the window stands. */
  ageMs: number;
  /** The tool's hold still in force, if any. */
  hold?: ToolHoldV1;
}

/** The documented `budget --json` shape; fields are only ever added. */
export interface BudgetReportV1 {
  version: 1;
  configDir: string;
  at: string;
  chainId: string | null;
  budgets: BudgetStatusV1[];
  /** Plan windows of tools billed by subscription (plugin API 1.9); empty when none was observed. */
  windows?: PlanWindowStatusV1[];
}

/** Provided by the policy plugin: every configured budget against its spend, for `budget` and the dashboard. */
export interface BudgetReporterV1 {
  readonly specificationVersion: 'v1';
  /** `project`: whose spend a `project` budget reads (plugin API 1.4); the config's own project by default. */
  report(options?: { chainId?: string; project?: string; now?: Date }): Promise<BudgetReportV1>;
}
