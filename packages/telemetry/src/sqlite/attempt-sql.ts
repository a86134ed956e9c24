import type { AttemptRowV1, AttemptWriteV1 } from '@llm-service/spec';
import type { Database } from '../store/driver.js';

/** Every column of `invocations` but `id`, beside the row field it holds. */
const columns = [
  ['invocation_id', 'invocationId'],
  ['chain_id', 'chainId'],
  ['attempt', 'attempt'],
  ['started_at', 'startedAt'],
  ['finished_at', 'finishedAt'],
  ['agent', 'agent'],
  ['task_type', 'taskType'],
  ['tool', 'tool'],
  ['model', 'model'],
  ['reason', 'reason'],
  ['status', 'status'],
  ['error_kind', 'errorKind'],
  ['message', 'message'],
  ['input_tokens', 'inputTokens'],
  ['output_tokens', 'outputTokens'],
  ['cache_read_tokens', 'cacheReadTokens'],
  ['cache_write_tokens', 'cacheWriteTokens'],
  ['total_tokens', 'totalTokens'],
  ['cost_usd', 'costUsd'],
  ['cost_source', 'costSource'],
  ['computed_cost_usd', 'computedCostUsd'],
  ['price_hash', 'priceHash'],
  ['baseline_model', 'baselineModel'],
  ['baseline_cost_usd', 'baselineCostUsd'],
  ['latency_ms', 'latencyMs'],
  ['exit_code', 'exitCode'],
  ['session_id', 'sessionId'],
  ['turns', 'turns'],
  ['prompt_sha256', 'promptHash'],
  ['prompt_tokens_estimate', 'promptTokensEstimate'],
  ['force_reason', 'forceReason'],
  ['pid', 'pid'],
  ['project', 'project'],
  ['task_id', 'taskId'],
  ['billing', 'billing'],
] as const;

export const invocationColumns: readonly string[] = columns.map(([column]) => column);

type Bound = Omit<AttemptRowV1, 'answer'> & { totalTokens: number };

/** A billing not said is `api`, as for rows recorded before billing existed. */
const insert = `INSERT INTO invocations (${invocationColumns.join(', ')})
  VALUES (${columns.map(([, field]) => (field === 'billing' ? `COALESCE(@billing, 'api')` : `@${field}`)).join(', ')})`;

/** A start never undoes what an end wrote: a replayed start changes nothing. */
const insertStartSql = `${insert} ON CONFLICT (invocation_id, attempt) DO NOTHING`;

/**
 * An end replaces the row, whatever its start wrote (or inserts it, when its start was never written); an end that
 * does not say how it was paid for keeps what its start said.
 */
function upsertEndSql(keepBilling: boolean): string {
  return `${insert} ON CONFLICT (invocation_id, attempt) DO UPDATE SET
  ${columns
    .filter(([column]) => column !== 'invocation_id' && column !== 'attempt')
    .filter(([column]) => !(keepBilling && column === 'billing'))
    .map(([column]) => `${column} = excluded.${column}`)
    .join(', ')}`;
}

/** The row's id, for its captured answer: asked only when there is one (RETURNING made every write 50% slower). */
const idOfSql = 'SELECT id FROM invocations WHERE invocation_id = ? AND attempt = ?';

function bound(row: AttemptRowV1): Bound {
  const { answer: _answer, ...fields } = row;
  return {
    ...fields,
    totalTokens: row.inputTokens + row.outputTokens + row.cacheReadTokens + row.cacheWriteTokens,
  };
}

/** Prepares the writes once a connection; returns the function that writes one batch in one IMMEDIATE transaction. */
export function attemptWriter(db: Database): (batch: readonly AttemptWriteV1[]) => void {
  const start = db.prepare<Bound>(insertStartSql);
  const end = db.prepare<Bound>(upsertEndSql(false));
  const endKeepingBilling = db.prepare<Bound>(upsertEndSql(true));
  const idOf = db.prepare<[string, number], { id: number }>(idOfSql);
  const content = db.prepare(
    'INSERT OR REPLACE INTO invocation_content (invocation_row, answer) VALUES (?, ?)',
  );
  const write = db.transaction((batch: readonly AttemptWriteV1[]) => {
    for (const { kind, row } of batch) {
      const statement = kind === 'start' ? start : row.billing === null ? endKeepingBilling : end;
      statement.run(bound(row));
      if (row.answer === null) continue;
      const written = idOf.get(row.invocationId, row.attempt);
      if (written) content.run(written.id, row.answer);
    }
  });
  return (batch) => write.immediate(batch);
}

/** Attempts in key order after a key, as rows to write elsewhere (`telemetry migrate`). */
export function exportAttemptsFrom(
  db: Database,
  after: { invocationId: string; attempt: number } | undefined,
  limit: number,
): AttemptRowV1[] {
  const select = `SELECT ${columns.map(([column, field]) => `i.${column} AS ${field}`).join(', ')},
    c.answer AS answer FROM invocations i LEFT JOIN invocation_content c ON c.invocation_row = i.id`;
  const rows = (
    after
      ? db
          .prepare(
            `${select} WHERE (i.invocation_id, i.attempt) > (?, ?) ORDER BY i.invocation_id, i.attempt LIMIT ?`,
          )
          .all(after.invocationId, after.attempt, limit)
      : db.prepare(`${select} ORDER BY i.invocation_id, i.attempt LIMIT ?`).all(limit)
  ) as (AttemptRowV1 & { totalTokens: number })[];
  return rows.map(({ totalTokens: _total, ...row }) => ({ ...row, answer: row.answer ?? null }));
}

/** A plain positional INSERT of every column, in `invocationColumns` order: how benchmarks fill a database fast. */
export const insertInvocationSql = `INSERT INTO invocations (${invocationColumns.join(', ')}) VALUES (${invocationColumns
  .map(() => '?')
  .join(', ')})`;
