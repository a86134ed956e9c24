import { z, type AttemptRowV1, type AttemptWriteV1 } from '@llm-service/spec';
import type { ClientBase } from 'pg';
import { PostgresStoreError, PostgresStoreErrorCode } from '../errors.js';
import { schemaName } from '../schema/migrations.js';
import { attemptColumns } from './rows.js';

const instant = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'not an ISO 8601 instant');
const count = z.number().int().min(0);
const usd = z.number().refine(Number.isFinite, 'not a finite number').nullable();
const nullableText = z.string().nullable();

/**
 * A row as the contract describes it, checked before anything of its batch is written: a bad row refuses the batch
 * with a message naming the field, not a constraint name of ours.
 */
const attemptRow = z.object({
  invocationId: z.string().min(1),
  chainId: z.string(),
  attempt: count,
  startedAt: instant,
  finishedAt: instant.nullable(),
  project: z.string().min(1),
  taskId: nullableText,
  agent: z.string(),
  taskType: nullableText,
  tool: z.string(),
  model: z.string(),
  reason: z.string(),
  status: z.enum(['running', 'success', 'failed', 'blocked', 'timeout', 'cancelled']),
  errorKind: nullableText,
  message: nullableText,
  inputTokens: count,
  outputTokens: count,
  cacheReadTokens: count,
  cacheWriteTokens: count,
  costUsd: usd,
  costSource: z.enum(['tool', 'computed', 'estimated', 'unknown']).nullable(),
  computedCostUsd: usd,
  priceHash: nullableText,
  baselineModel: nullableText,
  baselineCostUsd: usd,
  latencyMs: z.number().min(0).nullable(),
  exitCode: z.number().int().nullable(),
  sessionId: nullableText,
  turns: z.number().int().nullable(),
  promptHash: nullableText,
  promptTokensEstimate: z.number().int().nullable(),
  forceReason: nullableText,
  pid: z.number().int().nullable(),
  billing: z.enum(['api', 'subscription']).nullable(),
  answer: nullableText,
});

function checked(write: AttemptWriteV1, index: number): AttemptRowV1 {
  const parsed = attemptRow.safeParse(write.row);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new PostgresStoreError(
    PostgresStoreErrorCode.invalid,
    `write ${index + 1} of the batch (${write.kind} of ${String(write.row?.invocationId)}#${String(write.row?.attempt)}) ` +
      `is not valid: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'not valid'}; nothing of the batch was written`,
  );
}

const columnList = attemptColumns.map(([column]) => column).join(', ');
/** An end that does not say how it was paid for keeps what its start said (`keepBilling`). */
const updatesOf = (keepBilling: boolean) =>
  attemptColumns
    .filter(([column]) => column !== 'invocation_id' && column !== 'attempt')
    .filter(([column]) => !(keepBilling && column === 'billing'))
    .map(([column]) => `${column} = excluded.${column}`)
    .join(', ');
const updates = updatesOf(false);
const updatesKeepingBilling = updatesOf(true);

/** Rows a statement at most: PostgreSQL binds at most 65,535 parameters, and there is one a column. */
const rowsPerStatement = 500;

/**
 * One statement for a run of writes of one kind. A start replayed after its end changes nothing (DO NOTHING); an
 * end replaces whatever its start, or an earlier end, wrote (DO UPDATE).
 */
function statement(
  kind: AttemptWriteV1['kind'],
  rows: readonly AttemptRowV1[],
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples = rows.map((row) => {
    const placeholders = attemptColumns.map(([, field]) => {
      values.push(field === 'billing' ? (row.billing ?? 'api') : row[field]);
      return `$${values.length}`;
    });
    return `(${placeholders.join(', ')})`;
  });
  // A run is split where billing changes from said to unsaid (see writeAttempts), so one rule fits all its rows.
  const keepBilling = rows[0]?.billing === null;
  return {
    text: `INSERT INTO ${schemaName}.invocations (${columnList}) VALUES ${tuples.join(', ')}
      ON CONFLICT (invocation_id, attempt) ${
        kind === 'start' ? 'DO NOTHING' : `DO UPDATE SET ${keepBilling ? updatesKeepingBilling : updates}`
      }`,
    values,
  };
}

/**
 * Checks every write, then writes them in order on `client` (inside the caller's transaction). Consecutive writes of
 * one kind go in one statement, split where an attempt comes again: one INSERT … ON CONFLICT may not touch a row twice.
 */
export async function writeAttempts(client: ClientBase, batch: readonly AttemptWriteV1[]): Promise<void> {
  const writes = batch.map((write, index) => ({ kind: write.kind, row: checked(write, index) }));
  let run: AttemptRowV1[] = [];
  let runKind: AttemptWriteV1['kind'] = 'end';
  let runKeepsBilling = false;
  const keys = new Set<string>();
  const flush = async () => {
    if (run.length > 0) await client.query(statement(runKind, run));
    run = [];
    keys.clear();
  };
  for (const { kind, row } of writes) {
    const key = `${row.attempt}:${row.invocationId}`;
    const keepsBilling = row.billing === null;
    if (
      kind !== runKind ||
      keepsBilling !== runKeepsBilling ||
      keys.has(key) ||
      run.length >= rowsPerStatement
    )
      await flush();
    runKind = kind;
    runKeepsBilling = keepsBilling;
    run.push(row);
    keys.add(key);
  }
  await flush();
}
