import type { PruneRequestV1, PruneResultV1, StoredInvocationV1 } from '@llm-service/spec';
import type { ClientBase } from 'pg';
import { schemaName } from '../schema/migrations.js';
import { storedInvocationSelect } from './rows.js';

/** Rows deleted per transaction, so writers on other machines wait milliseconds, not seconds. */
const chunkRows = 5_000;

type Transaction = <T>(work: (client: ClientBase) => Promise<T>) => Promise<T>;

/**
 * Attempts started before the date (but running ones `keepRunning` keeps) in chunks, then closed reservations, holds
 * ended before the date and before now, and readings: each step its own transaction.
 */
export async function prune(transaction: Transaction, request: PruneRequestV1): Promise<PruneResultV1> {
  const cutoff = request.before.toISOString();
  const keep = await transaction(async (client) => {
    const running = await client.query<StoredInvocationV1 & { id: number }>(
      `SELECT id, ${storedInvocationSelect} FROM ${schemaName}.invocations
       WHERE status = 'running' AND started_at < $1`,
      [cutoff],
    );
    return running.rows
      .filter(({ id: _id, ...attempt }) => request.keepRunning(attempt))
      .map((row) => row.id);
  });
  let invocations = 0;
  for (;;) {
    const deleted = await transaction(async (client) => {
      const result = await client.query(
        `DELETE FROM ${schemaName}.invocations WHERE id IN (
           SELECT id FROM ${schemaName}.invocations WHERE started_at < $1 AND NOT (id = ANY($2::bigint[])) LIMIT $3)`,
        [cutoff, keep, chunkRows],
      );
      return result.rowCount ?? 0;
    });
    invocations += deleted;
    if (deleted < chunkRows) break;
  }
  const reservations = await transaction(async (client) => {
    const result = await client.query(
      `DELETE FROM ${schemaName}.reservations WHERE status <> 'held' AND COALESCE(closed_at, created_at) < $1`,
      [cutoff],
    );
    return result.rowCount ?? 0;
  });
  const planWindowObservations = await transaction(async (client) => {
    // A hold still in force is kept, even when the date is later than its end.
    await client.query(`DELETE FROM ${schemaName}.tool_holds WHERE until < $1 AND until <= $2`, [
      cutoff,
      request.now.toISOString(),
    ]);
    const result = await client.query(
      `DELETE FROM ${schemaName}.plan_window_observations WHERE observed_at < $1`,
      [cutoff],
    );
    return result.rowCount ?? 0;
  });
  return { invocations, reservations, planWindowObservations };
}
