import { existsSync } from 'node:fs';
import { UsageError, type CommandInput, type TelemetryStoreV1 } from '@llm-service/spec';
import { TelemetryQuery } from '../query/telemetry-query.js';
import { SqliteTelemetryStore } from '../sqlite/sqlite-store.js';
import { reportingDamage } from '../errors.js';
import { renderStats } from './render-stats.js';
import { commandProject, commandSettings, commandStore } from './settings.js';
import { buildStatsReport, type StatsGroupBy, type StatsReport } from './stats-report.js';
import { statsGroupings } from './definitions.js';
import { resolveWindow } from './window.js';
import { roundFigures } from '@llm-service/plugin-kit';

const groupings: readonly StatsGroupBy[] = statsGroupings;

export interface StatsOptions {
  daily?: boolean;
  weekly?: boolean;
  monthly?: boolean;
  since?: string;
  until?: string;
  by?: string;
  chainId?: string;
  task?: string;
  allProjects?: boolean;
  /** Only this project's invocations (resolved by `runStats` from the configuration); every project's when absent. */
  project?: string;
  savings?: boolean;
  tz?: string;
  json?: boolean;
  watch?: boolean;
  /** Seconds, as given: checked by `watchIntervalOf`. */
  interval?: string;
}

function groupByOf(options: StatsOptions): StatsGroupBy {
  if (options.by !== undefined && !groupings.includes(options.by as StatsGroupBy)) {
    throw new UsageError(`--by '${options.by}' is not one of ${groupings.join(', ')}`);
  }
  return (options.by as StatsGroupBy | undefined) ?? 'day';
}

/** `--interval` of `--watch`, in milliseconds (default 2 s); refused without `--watch` or out of range. */
export function watchIntervalOf(options: StatsOptions): number {
  if (options.interval === undefined) return 2_000;
  if (!options.watch) {
    throw new UsageError('--interval needs --watch', { hint: 'e.g. llm-service stats --watch --interval 5' });
  }
  const text = options.interval.trim();
  const seconds = /^(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= 0.1 && seconds <= 86_400)) {
    throw new UsageError(`--interval '${options.interval}' is not a number of seconds from 0.1 to 86400`, {
      hint: 'e.g. --interval 5 (seconds; changes to the telemetry refresh the view at once anyway)',
    });
  }
  return Math.round(seconds * 1000);
}

/** Builds the report of `stats` for a SQLite file, as the command would; exported for the benchmark and tests. */
export async function statsForDatabase(
  databasePath: string,
  options: StatsOptions,
  now = new Date(),
): Promise<StatsReport> {
  const store = existsSync(databasePath)
    ? new SqliteTelemetryStore({ path: databasePath, create: false })
    : undefined;
  try {
    return await statsForStore(store, databasePath, options, now);
  } finally {
    await store?.close();
  }
}

/**
 * The report over a store the caller opened and closes (`stats --watch` keeps one for its whole run), or over no
 * store when `store` is undefined (the SQLite file does not exist).
 */
export function statsForStore(
  store: TelemetryStoreV1 | undefined,
  location: string,
  options: StatsOptions,
  now = new Date(),
): Promise<StatsReport> {
  const window = resolveWindow(options, now);
  const groupBy = groupByOf(options);
  return buildStatsReport(store ? reportingDamage(new TelemetryQuery(store), location) : undefined, {
    databasePath: location,
    databaseExists: store !== undefined,
    window,
    groupBy,
    chainId: options.chainId,
    taskId: options.task,
    // A chain or a task is one piece of work wherever it ran: its view is never cut to a project.
    project: options.chainId === undefined && options.task === undefined ? options.project : undefined,
    savings: options.savings === true,
  });
}

export async function runStats(input: CommandInput): Promise<number> {
  const options = input.options as StatsOptions;
  // Check the flags before loading any configuration, so a typo is reported first.
  resolveWindow(options, new Date());
  groupByOf(options);
  const intervalMs = watchIntervalOf(options);
  const settings = await commandSettings(input);
  if (!options.allProjects) options.project = await commandProject(input);
  if (options.watch) {
    const { watchStats } = await import('./watch-stats.js');
    return watchStats(input, settings, options, intervalMs);
  }
  const store = await commandStore(input, settings);
  let report: StatsReport;
  try {
    report = await statsForStore(store, store?.location ?? settings.dbPath, options);
  } finally {
    await store?.close();
  }
  input.io.stdout.write(options.json ? `${JSON.stringify(report, roundFigures, 2)}\n` : renderStats(report));
  return 0;
}
