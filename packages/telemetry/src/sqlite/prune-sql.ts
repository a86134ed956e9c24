import type { PruneRequestV1, PruneResultV1, StoredInvocationV1 } from '@llm-service/spec';
import type { Database } from '../store/driver.js';
import { selectInvocations } from './query-sql.js';

/** Rows deleted a transaction, so a long prune never holds the write lock for long. */
const chunkRows = 5_000;

/**
 * Deletes in chunks of short transactions, so other processes keep recording while a large history is pruned.
 * Running rows `keepRunning` keeps are listed first, in a temporary table the chunks skip.
 */
export function pruneIn(db: Database, request: PruneRequestV1): PruneResultV1 {
  const cutoff = request.before.toISOString();
  const running = selectInvocations(
    db,
    { status: 'running', until: request.before, limit: Number.MAX_SAFE_INTEGER },
    'asc',
  );
  const keep = running.filter((row: StoredInvocationV1) => request.keepRunning(row));
  db.exec('CREATE TEMP TABLE IF NOT EXISTS prune_keep (invocation_id TEXT, attempt INTEGER)');
  db.exec('DELETE FROM prune_keep');
  const keepRow = db.prepare('INSERT INTO prune_keep (invocation_id, attempt) VALUES (?, ?)');
  for (const row of keep) keepRow.run(row.invocationId, row.attempt);
  const deleteChunk = db.prepare(
    `DELETE FROM invocations WHERE id IN (
       SELECT id FROM invocations WHERE started_at < ?
         AND (invocation_id, attempt) NOT IN (SELECT invocation_id, attempt FROM prune_keep) LIMIT ?)`,
  );
  let invocations = 0;
  for (;;) {
    const deleted = db.transaction(() => deleteChunk.run(cutoff, chunkRows).changes).immediate();
    invocations += deleted;
    if (deleted < chunkRows) break;
  }
  const reservations = db
    .transaction(
      () =>
        db
          .prepare(`DELETE FROM reservations WHERE status != 'held' AND COALESCE(closed_at, created_at) < ?`)
          .run(cutoff).changes,
    )
    .immediate();
  const planWindowObservations = db
    .transaction(() => {
      // A hold that ended is no longer read; one still in force is kept, even when the date is later than its end.
      db.prepare('DELETE FROM tool_holds WHERE until < ? AND until <= ?').run(
        cutoff,
        request.now.toISOString(),
      );
      return db.prepare('DELETE FROM plan_window_observations WHERE observed_at < ?').run(cutoff).changes;
    })
    .immediate();
  db.exec('DROP TABLE prune_keep');
  return { invocations, reservations, planWindowObservations };
}
