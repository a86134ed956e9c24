import { existsSync } from 'node:fs';
import { UsageError, type CommandInput } from '@llm-service/spec';
import { processAlive } from '@llm-service/plugin-kit';
import { TelemetryStore } from '../store/store.js';
import { formatInteger } from './format.js';
import { commandSettings } from './settings.js';
import { parseDateFlag } from './window.js';

export interface PruneResult {
  invocations: number;
  reservations: number;
  /** Plan window observations made before the date (the latest of a window goes too: it is that old). */
  planWindowObservations: number;
}

/** Rows deleted per transaction, so writers of other processes wait milliseconds, not seconds. */
const chunkRows = 5_000;

/**
 * Deletes invocations that started before `before`, with their captured content, reservations that ended before it,
 * plan window observations made before it and tool holds that ended before it. A row still running in a live process
 * is kept; one whose process is gone is deleted like any other.
 */
export function pruneDatabase(
  store: TelemetryStore,
  before: Date,
  isAlive: (pid: number) => boolean = processAlive,
  now: Date = new Date(),
): PruneResult {
  const db = store.open();
  const cutoff = before.toISOString();
  const keep = (
    db.prepare(`SELECT id, pid FROM invocations WHERE status = 'running' AND started_at < ?`).all(cutoff) as {
      id: number;
      pid: number | null;
    }[]
  )
    .filter((row) => row.pid !== null && isAlive(row.pid))
    .map((row) => row.id);
  db.exec('CREATE TEMP TABLE IF NOT EXISTS prune_keep (id INTEGER PRIMARY KEY)');
  db.exec('DELETE FROM prune_keep');
  const keepRow = db.prepare('INSERT INTO prune_keep (id) VALUES (?)');
  for (const id of keep) keepRow.run(id);
  const deleteChunk = db.prepare(
    `DELETE FROM invocations WHERE id IN (
       SELECT id FROM invocations WHERE started_at < ? AND id NOT IN (SELECT id FROM prune_keep) LIMIT ?)`,
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
      db.prepare('DELETE FROM tool_holds WHERE until < ? AND until <= ?').run(cutoff, now.toISOString());
      return db.prepare('DELETE FROM plan_window_observations WHERE observed_at < ?').run(cutoff).changes;
    })
    .immediate();
  db.exec('DROP TABLE prune_keep');
  return { invocations, reservations, planWindowObservations };
}

export async function runPrune(input: CommandInput): Promise<number> {
  const options = input.options as { before?: string };
  if (options.before === undefined) {
    throw new UsageError('telemetry prune needs --before DATE', {
      hint: 'e.g. llm-service telemetry prune --before 2026-01-01 (a UTC day, or an ISO 8601 time)',
    });
  }
  const before = parseDateFlag('--before', options.before, 'UTC');
  const settings = await commandSettings(input);
  if (!existsSync(settings.dbPath)) {
    input.io.stdout.write(`Nothing to prune: no telemetry database at ${settings.dbPath}.\n`);
    return 0;
  }
  const store = new TelemetryStore({ path: settings.dbPath, create: false });
  try {
    const result = pruneDatabase(store, before);
    input.io.stdout.write(
      `Deleted ${formatInteger(result.invocations)} invocation${result.invocations === 1 ? '' : 's'} ` +
        `started before ${before.toISOString()}` +
        (result.reservations > 0
          ? ` and ${formatInteger(result.reservations)} closed budget reservations`
          : '') +
        (result.planWindowObservations > 0
          ? ` and ${formatInteger(result.planWindowObservations)} plan window observation${result.planWindowObservations === 1 ? '' : 's'}`
          : '') +
        ` from ${settings.dbPath}.\n`,
    );
  } finally {
    store.close();
  }
  return 0;
}
