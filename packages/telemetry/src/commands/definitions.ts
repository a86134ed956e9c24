import type { CommandV1 } from '@llm-service/spec';

/** What `stats --by` groups by. */
export const statsGroupings = ['agent', 'model', 'tool', 'task-type', 'project', 'task'] as const;

/** `stats`: declared statically (for --help); its implementation loads on first run. */
export const statsCommand: CommandV1 = {
  specificationVersion: 'v1',
  name: 'stats',
  summary: 'show invocations, success rate, tokens, cost and latency from telemetry',
  options: [
    { flags: '--daily', description: 'today (the default window)' },
    { flags: '--weekly', description: 'this ISO week (Monday to Sunday)' },
    { flags: '--monthly', description: 'this calendar month' },
    { flags: '--since <date>', description: 'from this day (YYYY-MM-DD in --tz) or ISO 8601 time' },
    { flags: '--until <date>', description: 'up to and including this day (with --since)' },
    {
      flags: '--by <group>',
      description: 'group by agent, model, tool, task-type, project or task (default: by day)',
      choices: statsGroupings,
    },
    {
      flags: '--chain-id <id>',
      description: 'only this chain (all time unless a window is given); lists its attempts',
    },
    {
      flags: '--task <id>',
      description: "only this task's attempts (`tasks run` records them), all time unless a window is given",
    },
    {
      flags: '--all-projects',
      description:
        "every project's invocations, not only this config's project (a chain's are never limited)",
    },
    {
      flags: '--savings',
      description: 'also show money saved against the requested models, by policy reason and by agent',
    },
    { flags: '--tz <zone>', description: 'time zone of days, weeks and months (default UTC)' },
    {
      flags: '--json',
      description:
        'print the report as JSON (shape documented in @llm-service/telemetry); with --watch, one line per change',
    },
    {
      flags: '--watch',
      description:
        'keep the report on screen, read again when telemetry changes and every --interval seconds; Ctrl-C ends it',
    },
    {
      flags: '--interval <seconds>',
      description: 'with --watch: read again at least this often (default 2)',
    },
  ],
  async run(input) {
    const { runStats } = await import('./run-stats.js');
    return runStats(input);
  },
};

export const pruneCommand: CommandV1 = {
  specificationVersion: 'v1',
  name: 'telemetry prune',
  summary: 'delete telemetry recorded before a date',
  options: [
    { flags: '--before <date>', description: 'delete invocations started before this UTC day or ISO time' },
  ],
  async run(input) {
    const { runPrune } = await import('./run-prune.js');
    return runPrune(input);
  },
};

export const migrateCommand: CommandV1 = {
  specificationVersion: 'v1',
  name: 'telemetry migrate',
  summary: "copy this machine's SQLite history into a shared store (PostgreSQL), resumably",
  options: [
    {
      flags: '--to <store>',
      description: 'the store to copy into: postgres (a store plugin must provide it)',
    },
    {
      flags: '--url <url>',
      description:
        'its database URL (default: telemetry.url, then $LLM_SERVICE_DATABASE_URL); prefer the variable: a URL here is visible to other users of the machine',
    },
    {
      flags: '--from <path>',
      description: 'the SQLite file to copy (default: telemetry.db_path or its default)',
    },
  ],
  async run(input) {
    const { runMigrate } = await import('./run-migrate.js');
    return runMigrate(input);
  },
};
