import { z, type PlanWindowObservation, type ToolHoldV1 } from '@llm-service/spec';
import type { ClientBase } from 'pg';
import { PostgresStoreError, PostgresStoreErrorCode } from '../errors.js';
import { Parameters } from '../queries/filter.js';
import { schemaName } from '../schema/migrations.js';

/** Rows `history()` returns when the caller sets no limit: a chart's worth. */
const defaultHistoryLimit = 1_000;

/** An ISO 8601 instant with an offset, kept as `toISOString` gives it (what reads return). */
const instant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/,
    'expected an ISO 8601 instant',
  )
  .refine((text) => !Number.isNaN(Date.parse(text)), 'not a valid instant')
  .transform((text) => new Date(text).toISOString());
const name = z.string().trim().min(1);

/** Utilization past 1 (overage counted past 100 %) is a full window: readers are promised 0..1. */
const observationInput = z.object({
  tool: name,
  account: name.optional(),
  window: name,
  status: z.enum(['allowed', 'warning', 'rejected']),
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

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new PostgresStoreError(
    PostgresStoreErrorCode.invalid,
    `invalid ${what}: ${where}${issue?.message ?? 'not valid'}`,
  );
}

interface ObservationRow {
  tool: string;
  account: string | null;
  window: string;
  status: PlanWindowObservation['status'];
  utilization: number | null;
  resetsAt: string | null;
  observedAt: string;
}

const observationColumns = `tool, account, window_name AS window, status, utilization, resets_at AS "resetsAt",
  observed_at AS "observedAt"`;

function toObservation(row: ObservationRow): PlanWindowObservation {
  return {
    tool: row.tool,
    ...(row.account === null ? {} : { account: row.account }),
    window: row.window,
    status: row.status,
    ...(row.utilization === null ? {} : { utilization: row.utilization }),
    ...(row.resetsAt === null ? {} : { resetsAt: row.resetsAt }),
    observedAt: row.observedAt,
  };
}

/** Inside the caller's transaction: the reading, and the window's latest unless a later-observed one is there. */
export async function recordObservation(
  client: ClientBase,
  observation: PlanWindowObservation,
): Promise<void> {
  const checked = parse(observationInput, observation, 'plan window observation');
  const inserted = await client.query<{ id: number }>(
    `INSERT INTO ${schemaName}.plan_window_observations
       (tool, account, window_name, status, utilization, resets_at, observed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [
      checked.tool,
      checked.account ?? null,
      checked.window,
      checked.status,
      checked.utilization ?? null,
      checked.resetsAt ?? null,
      checked.observedAt,
    ],
  );
  await client.query(
    `INSERT INTO ${schemaName}.plan_window_latest (tool, window_name, observation_id, observed_at)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (tool, window_name) DO UPDATE
       SET observation_id = excluded.observation_id, observed_at = excluded.observed_at
       WHERE excluded.observed_at >= ${schemaName}.plan_window_latest.observed_at`,
    [checked.tool, checked.window, inserted.rows[0]?.id, checked.observedAt],
  );
}

export async function latestObservations(
  client: ClientBase,
  options: { tool?: string } = {},
): Promise<PlanWindowObservation[]> {
  const result = await client.query<ObservationRow>(
    `SELECT ${observationColumns} FROM ${schemaName}.plan_window_observations
     WHERE id IN (SELECT observation_id FROM ${schemaName}.plan_window_latest WHERE $1::text IS NULL OR tool = $1)
     ORDER BY tool, window_name`,
    [options.tool ?? null],
  );
  return result.rows.map(toObservation);
}

/** With a limit, the most recent `limit` that match, still oldest first. */
export async function observationHistory(
  client: ClientBase,
  options: { tool?: string; window?: string; since?: Date; limit?: number } = {},
): Promise<PlanWindowObservation[]> {
  const parameters = new Parameters();
  const clauses: string[] = [];
  if (options.tool !== undefined) clauses.push(`tool = ${parameters.add(options.tool)}`);
  if (options.window !== undefined) clauses.push(`window_name = ${parameters.add(options.window)}`);
  if (options.since !== undefined)
    clauses.push(`observed_at >= ${parameters.add(options.since.toISOString())}`);
  const limit = parameters.add(options.limit ?? defaultHistoryLimit);
  const result = await client.query<ObservationRow>(
    `SELECT ${observationColumns} FROM (
       SELECT * FROM ${schemaName}.plan_window_observations
       WHERE ${clauses.length > 0 ? clauses.join(' AND ') : 'true'}
       ORDER BY observed_at DESC, id DESC LIMIT ${limit}) AS recent
     ORDER BY observed_at, id`,
    parameters.values,
  );
  return result.rows.map(toObservation);
}

/** One row a tool, replaced only by a hold ending later: a later, shorter hold never shortens the one in force. */
export async function hold(client: ClientBase, value: ToolHoldV1): Promise<void> {
  const checked = parse(holdInput, value, 'tool hold');
  await client.query(
    `INSERT INTO ${schemaName}.tool_holds (tool, until, reason, window_name) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tool) DO UPDATE
       SET until = excluded.until, reason = excluded.reason, window_name = excluded.window_name
       WHERE excluded.until > ${schemaName}.tool_holds.until`,
    [checked.tool, checked.until, checked.reason, checked.window ?? null],
  );
}

export async function heldUntil(
  client: ClientBase,
  tool: string,
  now: Date,
): Promise<ToolHoldV1 | undefined> {
  const result = await client.query<{ tool: string; until: string; reason: string; window: string | null }>(
    `SELECT tool, until, reason, window_name AS window FROM ${schemaName}.tool_holds WHERE tool = $1 AND until > $2`,
    [tool, now.toISOString()],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    tool: row.tool,
    until: row.until,
    reason: row.reason,
    ...(row.window === null ? {} : { window: row.window }),
  };
}
