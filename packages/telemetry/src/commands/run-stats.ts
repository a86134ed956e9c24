import { existsSync } from 'node:fs';
import { UsageError, type CommandInput } from '@llm-service/spec';
import { SqliteTelemetryQuery } from '../query/telemetry-query.js';
import { TelemetryStore } from '../store/store.js';
import { reportingDamage } from '../errors.js';
import { renderStats } from './render-stats.js';
import { commandSettings } from './settings.js';
import { buildStatsReport, type StatsGroupBy, type StatsReport } from './stats-report.js';
import { statsGroupings } from './definitions.js';
import { resolveWindow } from './window.js';
import { roundFigures } from '@llm-service/plugin-kit';

const groupings: readonly StatsGroupBy[] = statsGroupings;

interface StatsOptions {
  daily?: boolean;
  weekly?: boolean;
  monthly?: boolean;
  since?: string;
  until?: string;
  by?: string;
  chainId?: string;
  savings?: boolean;
  tz?: string;
  json?: boolean;
}

function groupByOf(options: StatsOptions): StatsGroupBy {
  if (options.by !== undefined && !groupings.includes(options.by as StatsGroupBy)) {
    throw new UsageError(`--by '${options.by}' is not one of ${groupings.join(', ')}`);
  }
  return (options.by as StatsGroupBy | undefined) ?? 'day';
}

/** Builds the report of `stats` for a database, as the command would; exported for the benchmark. */
export function statsForDatabase(databasePath: string, options: StatsOptions, now = new Date()): StatsReport {
  const window = resolveWindow(options, now);
  const groupBy = groupByOf(options);
  const exists = existsSync(databasePath);
  const store = exists ? new TelemetryStore({ path: databasePath, create: false }) : undefined;
  try {
    return buildStatsReport(
      store ? reportingDamage(new SqliteTelemetryQuery(store), databasePath) : undefined,
      {
        databasePath,
        databaseExists: exists,
        window,
        groupBy,
        chainId: options.chainId,
        savings: options.savings === true,
      },
    );
  } finally {
    store?.close();
  }
}

export async function runStats(input: CommandInput): Promise<number> {
  const options = input.options as StatsOptions;
  // Check the flags before loading any configuration, so a typo is reported first.
  resolveWindow(options, new Date());
  groupByOf(options);
  const settings = await commandSettings(input);
  const report = statsForDatabase(settings.dbPath, options);
  input.io.stdout.write(options.json ? `${JSON.stringify(report, roundFigures, 2)}\n` : renderStats(report));
  return 0;
}
