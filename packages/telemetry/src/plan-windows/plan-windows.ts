import {
  z,
  type PlanWindowObservation,
  type PlanWindowsV1,
  type PlanWindowStatus,
  type ToolHoldV1,
} from '@llm-service/spec';
import { TelemetryError, TelemetryErrorCode } from '../errors.js';
import type { Database } from '../store/driver.js';
import type { TelemetryStore } from '../store/store.js';

/** Rows `history()` returns when the caller sets no limit: a chart's worth, not the whole table. */
const defaultHistoryLimit = 1_000;

const planWindowStatuses = ['allowed', 'warning', 'rejected'] as const satisfies readonly PlanWindowStatus[];

/**
 * An ISO 8601 date and time with its offset, as adapters report reset times and events carry `at`. Stored in UTC with
 * milliseconds (`toISOString`), so that times compare as text in SQL whatever offset they arrived with.
 */
const isoInstantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const instant = z
  .string()
  .regex(isoInstantPattern, 'expected an ISO 8601 date and time with an offset')
  .refine((text) => !Number.isNaN(Date.parse(text)), 'not a valid date and time')
  .transform((text) => new Date(text).toISOString());

const name = z.string().trim().min(1);

/**
 * An observation as it comes in (from an adapter, through the kernel's `limits.observed`). Utilization past 1 (a
 * provider counting overage past 100 %) is read as a full window: the contract promises readers 0..1.
 */
const observationInput = z.object({
  tool: name,
  account: name.optional(),
  window: name,
  status: z.enum(planWindowStatuses),
  utilization: z
    .number()
    .min(0)
    .refine(Number.isFinite, 'not a finite number')
    .transform((value) => Math.min(value, 1))
    .optional(),
  resetsAt: instant.optional(),
  observedAt: instant,
});

const holdInput = z.object({
  tool: name,
  until: instant,
  reason: z.string().min(1),
  window: name.optional(),
});

/** A row of `plan_window_observations` as read back: checked, since another release may have written it. */
const observationRow = z
  .object({
    tool: z.string(),
    account: z.string().nullable(),
    window: z.string(),
    status: z.enum(planWindowStatuses),
    utilization: z.number().nullable(),
    resets_at: z.string().nullable(),
    observed_at: z.string(),
  })
  .transform((row): PlanWindowObservation => ({
    tool: row.tool,
    ...(row.account === null ? {} : { account: row.account }),
    window: row.window,
    status: row.status,
    ...(row.utilization === null ? {} : { utilization: row.utilization }),
    ...(row.resets_at === null ? {} : { resetsAt: row.resets_at }),
    observedAt: row.observed_at,
  }));

const holdRow = z
  .object({ tool: z.string(), until: z.string(), reason: z.string(), window: z.string().nullable() })
  .transform((row): ToolHoldV1 => ({
    tool: row.tool,
    until: row.until,
    reason: row.reason,
    ...(row.window === null ? {} : { window: row.window }),
  }));

const observationColumns = 'tool, account, window, status, utilization, resets_at, observed_at';

export interface PlanWindowsOptions {
  /** The clock that decides whether a rejection's reset is still ahead and which holds are in force. */
  now?: () => Date;
}

/**
 * PlanWindowsV1 over the telemetry database. Every write is its own committed transaction by the time its promise
 * resolves, not queued like the sink's rows: the next request, perhaps in another process a second later, must see a
 * rejection before it starts the tool again.
 */
export class SqlitePlanWindows implements PlanWindowsV1 {
  readonly specificationVersion = 'v1' as const;
  readonly #store: TelemetryStore;
  readonly #now: () => Date;

  constructor(store: TelemetryStore, options: PlanWindowsOptions = {}) {
    this.#store = store;
    this.#now = options.now ?? (() => new Date());
  }

  async record(observation: PlanWindowObservation): Promise<void> {
    const checked = parseInput(observationInput, observation, 'plan window observation');
    const db = this.#store.open();
    db.transaction(() => {
      const id = db
        .prepare(`INSERT INTO plan_window_observations (${observationColumns}) VALUES (?, ?, ?, ?, ?, ?, ?)`)
        .run(
          checked.tool,
          checked.account ?? null,
          checked.window,
          checked.status,
          checked.utilization ?? null,
          checked.resetsAt ?? null,
          checked.observedAt,
        ).lastInsertRowid;
      // The latest unless a reading observed later is already there (one reported late by a slow process); of two
      // observed at the same time, the one recorded last.
      db.prepare(
        `INSERT INTO plan_window_latest (tool, window, observation_id, observed_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (tool, window) DO UPDATE
           SET observation_id = excluded.observation_id, observed_at = excluded.observed_at
           WHERE excluded.observed_at >= plan_window_latest.observed_at`,
      ).run(checked.tool, checked.window, id, checked.observedAt);
    }).immediate();
  }

  async latest(options: { tool?: string } = {}): Promise<readonly PlanWindowObservation[]> {
    const db = this.#store.open();
    const filter = conditions({ tool: options.tool });
    const rows = db
      .prepare(
        `SELECT ${observationColumns} FROM plan_window_observations
         WHERE id IN (SELECT observation_id FROM plan_window_latest WHERE ${filter.sql})
         ORDER BY tool, window`,
      )
      .all(filter.parameters);
    return rows.map((row) => parseRow(observationRow, row, this.#store.path));
  }

  /** With a limit, the most recent `limit` observations that match, still oldest first. */
  async history(
    options: { tool?: string; window?: string; since?: Date; limit?: number } = {},
  ): Promise<readonly PlanWindowObservation[]> {
    const db = this.#store.open();
    const filter = conditions({
      tool: options.tool,
      window: options.window,
      observed_at: options.since?.toISOString(),
    });
    const rows = db
      .prepare(
        `SELECT ${observationColumns} FROM (
           SELECT id, ${observationColumns} FROM plan_window_observations WHERE ${filter.sql}
           ORDER BY observed_at DESC, id DESC LIMIT @limit)
         ORDER BY observed_at, id`,
      )
      .all({ ...filter.parameters, limit: options.limit ?? defaultHistoryLimit });
    return rows.map((row) => parseRow(observationRow, row, this.#store.path));
  }

  async hold(hold: ToolHoldV1): Promise<void> {
    const checked = parseInput(holdInput, hold, 'tool hold');
    const db = this.#store.open();
    db.transaction(() => holdIn(db, checked)).immediate();
  }

  async heldUntil(tool: string, now: Date = this.#now()): Promise<ToolHoldV1 | undefined> {
    const row = this.#store
      .open()
      .prepare('SELECT tool, until, reason, window FROM tool_holds WHERE tool = ? AND until > ?')
      .get(tool, now.toISOString());
    return row === undefined ? undefined : parseRow(holdRow, row, this.#store.path);
  }
}

/**
 * Holds a tool, or lengthens its hold: one row a tool, replaced only by a hold that ends later. A hold that ended is
 * always earlier than a new one still to come, so it is replaced too.
 */
function holdIn(db: Database, hold: { tool: string; until: string; reason: string; window?: string }): void {
  db.prepare(
    `INSERT INTO tool_holds (tool, until, reason, window) VALUES (?, ?, ?, ?)
     ON CONFLICT (tool) DO UPDATE SET until = excluded.until, reason = excluded.reason, window = excluded.window
       WHERE excluded.until > tool_holds.until`,
  ).run(hold.tool, hold.until, hold.reason, hold.window ?? null);
}

/**
 * The WHERE clause of the filters given (`1` when none), with named parameters: a column compared for equality, or
 * `observed_at` as a lower bound. Absent filters add no clause, so SQLite can use the index for those present.
 */
function conditions(filters: Partial<Record<'tool' | 'window' | 'observed_at', string | undefined>>): {
  sql: string;
  parameters: Record<string, string>;
} {
  const clauses: string[] = [];
  const parameters: Record<string, string> = {};
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    clauses.push(column === 'observed_at' ? `observed_at >= @${column}` : `${column} = @${column}`);
    parameters[column] = value;
  }
  return { sql: clauses.length > 0 ? clauses.join(' AND ') : '1', parameters };
}

function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new TelemetryError(
    TelemetryErrorCode.invalid,
    `invalid ${what}: ${where}${issue?.message ?? 'not valid'}`,
    { hint: 'the adapter that reported it should say its limits as the PlanWindowsV1 contract does' },
  );
}

function parseRow<S extends z.ZodType>(schema: S, row: unknown, path: string): z.output<S> {
  const parsed = schema.safeParse(row);
  if (parsed.success) return parsed.data;
  throw new TelemetryError(
    TelemetryErrorCode.invalid,
    `a plan window row of the telemetry database ${path} is not valid: ${parsed.error.issues[0]?.message ?? ''}`,
    { hint: 'a newer llm-service may have written it; upgrade llm-service' },
  );
}
