import {
  lazySchema,
  z,
  type PlanWindowObservation,
  type PlanWindowStatus,
  type ToolHoldV1,
} from '@llm-service/spec';
import { TelemetryError, TelemetryErrorCode } from '../errors.js';
import type { Database } from '../store/driver.js';

/** Rows `history()` returns when the caller sets no limit: a chart's worth, not the whole table. */
const defaultHistoryLimit = 1_000;

const planWindowStatuses = ['allowed', 'warning', 'rejected'] as const satisfies readonly PlanWindowStatus[];

/** A row of `plan_window_observations` as read back: checked, since another release may have written it. */
const observationRow = lazySchema(() =>
  z
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
    })),
);

const holdRow = lazySchema(() =>
  z
    .object({ tool: z.string(), until: z.string(), reason: z.string(), window: z.string().nullable() })
    .transform((row): ToolHoldV1 => ({
      tool: row.tool,
      until: row.until,
      reason: row.reason,
      ...(row.window === null ? {} : { window: row.window }),
    })),
);

const observationColumns = 'tool, account, window, status, utilization, resets_at, observed_at';

/** Records a reading, and makes it its window's latest unless a later-observed one is already there. */
export function recordObservationIn(db: Database, observation: PlanWindowObservation): void {
  db.transaction(() => {
    const id = db
      .prepare(`INSERT INTO plan_window_observations (${observationColumns}) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(
        observation.tool,
        observation.account ?? null,
        observation.window,
        observation.status,
        observation.utilization ?? null,
        observation.resetsAt ?? null,
        observation.observedAt,
      ).lastInsertRowid;
    // Of two observed at the same time, the one recorded last.
    db.prepare(
      `INSERT INTO plan_window_latest (tool, window, observation_id, observed_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (tool, window) DO UPDATE
         SET observation_id = excluded.observation_id, observed_at = excluded.observed_at
         WHERE excluded.observed_at >= plan_window_latest.observed_at`,
    ).run(observation.tool, observation.window, id, observation.observedAt);
  }).immediate();
}

export function selectLatestObservations(db: Database, path: string, tool?: string): PlanWindowObservation[] {
  const filter = conditions({ tool });
  const rows = db
    .prepare(
      `SELECT ${observationColumns} FROM plan_window_observations
       WHERE id IN (SELECT observation_id FROM plan_window_latest WHERE ${filter.sql})
       ORDER BY tool, window`,
    )
    .all(filter.parameters);
  return rows.map((row) => parseRow(observationRow, row, path));
}

/** With a limit, the most recent `limit` observations that match, still oldest first. */
export function selectObservationHistory(
  db: Database,
  path: string,
  options: { tool?: string; window?: string; since?: Date; limit?: number },
): PlanWindowObservation[] {
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
  return rows.map((row) => parseRow(observationRow, row, path));
}

/**
 * Holds a tool, or lengthens its hold: one row a tool, replaced only by a hold that ends later. A hold that ended is
 * always earlier than a new one still to come, so it is replaced too.
 */
export function holdIn(db: Database, hold: ToolHoldV1): void {
  db.transaction(() =>
    db
      .prepare(
        `INSERT INTO tool_holds (tool, until, reason, window) VALUES (?, ?, ?, ?)
         ON CONFLICT (tool) DO UPDATE SET until = excluded.until, reason = excluded.reason, window = excluded.window
           WHERE excluded.until > tool_holds.until`,
      )
      .run(hold.tool, hold.until, hold.reason, hold.window ?? null),
  ).immediate();
}

export function selectHold(db: Database, path: string, tool: string, now: Date): ToolHoldV1 | undefined {
  const row = db
    .prepare('SELECT tool, until, reason, window FROM tool_holds WHERE tool = ? AND until > ?')
    .get(tool, now.toISOString());
  return row === undefined ? undefined : parseRow(holdRow, row, path);
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

function parseRow<S extends z.ZodType>(schema: S, row: unknown, path: string): z.output<S> {
  const parsed = schema.safeParse(row);
  if (parsed.success) return parsed.data;
  throw new TelemetryError(
    TelemetryErrorCode.invalid,
    `a plan window row of the telemetry database ${path} is not valid: ${parsed.error.issues[0]?.message ?? ''}`,
    { hint: 'a newer llm-service may have written it; upgrade llm-service' },
  );
}
