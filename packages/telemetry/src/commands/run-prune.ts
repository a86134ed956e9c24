import { UsageError, type CommandInput, type TelemetryStoreV1 } from '@llm-service/spec';
import { processAlive } from '@llm-service/plugin-kit';
import { formatInteger } from './format.js';
import { commandSettings, commandStore } from './settings.js';
import { parseDateFlag } from './window.js';

export interface PruneResult {
  invocations: number;
  reservations: number;
  /** Plan window observations made before the date (the latest of a window goes too: it is that old). */
  planWindowObservations: number;
}

/**
 * Deletes invocations that started before `before`, with their captured content, reservations that ended before it,
 * plan window observations made before it and tool holds that ended before it. A row still running in a live process
 * is kept; one whose process is gone is deleted like any other.
 */
export function pruneStore(
  store: TelemetryStoreV1,
  before: Date,
  isAlive: (pid: number) => boolean = processAlive,
  now: Date = new Date(),
): Promise<PruneResult> {
  return store.prune({ before, now, keepRunning: (row) => row.pid !== null && isAlive(row.pid) });
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
  const store = await commandStore(input, settings);
  if (!store) {
    input.io.stdout.write(`Nothing to prune: no telemetry database at ${settings.dbPath}.\n`);
    return 0;
  }
  try {
    const result = await pruneStore(store, before);
    input.io.stdout.write(
      `Deleted ${formatInteger(result.invocations)} invocation${result.invocations === 1 ? '' : 's'} ` +
        `started before ${before.toISOString()}` +
        (result.reservations > 0
          ? ` and ${formatInteger(result.reservations)} closed budget reservations`
          : '') +
        (result.planWindowObservations > 0
          ? ` and ${formatInteger(result.planWindowObservations)} plan window observation${result.planWindowObservations === 1 ? '' : 's'}`
          : '') +
        ` from ${store.location}.\n`,
    );
  } finally {
    await store.close();
  }
  return 0;
}
