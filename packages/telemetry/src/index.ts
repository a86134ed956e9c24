import { definePlugin, SpendLedgerToken, TelemetryQueryToken } from '@llm-service/spec';
import { pruneCommand, statsCommand } from './commands/definitions.js';
import { SqliteSpendLedger } from './ledger/spend-ledger.js';
import { SqliteTelemetryQuery } from './query/telemetry-query.js';
import { JsonlSink } from './sinks/jsonl-sink.js';
import { SqliteSink } from './sinks/sqlite-sink.js';
import { resolveSettings } from './store/paths.js';
import { TelemetryStore } from './store/store.js';
import { telemetrySectionSchema } from './telemetry-schema.js';
import { reportingDamage } from './errors.js';
import type * as StatsModule from './commands/stats-module.js';

export { telemetrySectionSchema, type TelemetrySection } from './telemetry-schema.js';
export { TelemetryError, TelemetryErrorCode } from './errors.js';
export {
  TelemetryStore,
  migrate,
  userVersion,
  MissingDatabaseError,
  type StoreOptions,
} from './store/store.js';
export { migrations, latestSchemaVersion, type Migration } from './store/migrations.js';
export { defaultDatabasePath, resolveSettings, type TelemetrySettings } from './store/paths.js';
export { SqliteSink, type SqliteSinkOptions } from './sinks/sqlite-sink.js';
export { JsonlSink, sanitiseEvent, type JsonlSinkOptions } from './sinks/jsonl-sink.js';
export { insertInvocationSql, invocationColumns } from './sinks/invocation-row.js';
export { SqliteSpendLedger, spendPeriod, type SpendLedgerOptions } from './ledger/spend-ledger.js';
export {
  SqliteTelemetryQuery,
  type DetailedAggregateRow,
  type GroupBy,
  type SavingsRow,
  type RunningRecord,
} from './query/telemetry-query.js';
export { PromptHasher } from './privacy/prompt-hash.js';
export { pruneCommand, statsCommand } from './commands/definitions.js';
export type { StatsReport, StatsGroup, StatsFigures } from './commands/stats-report.js';

/** Loads the report builders of `stats` and `telemetry prune` (kept out of the plugin's start-up path). */
export function loadReports(): Promise<typeof StatsModule> {
  return import('./commands/stats-module.js');
}

/**
 * Records every attempt of every invocation in SQLite (and, when `telemetry.jsonl_path` is set, as JSONL), provides
 * the spend ledger and the telemetry query service, and contributes `stats` and `telemetry prune`. Nothing is opened
 * or loaded until the first event, query or command needs the database.
 */
const plugin = definePlugin({
  name: '@llm-service/telemetry',
  version: '0.1.0',
  apiVersion: '^1.7.0',
  provides: [SpendLedgerToken, TelemetryQueryToken],
  configSchema: {
    sections: { telemetry: telemetrySectionSchema },
  },
  commands: [statsCommand, pruneCommand],
  register(context) {
    const settings = resolveSettings(context.settings.sections.telemetry, context.config.dir, context.env);
    const store = new TelemetryStore({ path: settings.dbPath });
    context.sinks.add(
      new SqliteSink({
        store,
        captureContent: settings.captureContent,
        logger: context.logger,
        closeStoreOnDispose: true,
      }),
    );
    if (settings.jsonlPath) {
      context.sinks.add(
        new JsonlSink({
          path: settings.jsonlPath,
          maxBytes: settings.jsonlMaxBytes,
          maxFiles: settings.jsonlMaxFiles,
          captureContent: settings.captureContent,
          keyPromptHash: (promptSha256) => {
            try {
              return store.promptHasher().hash(promptSha256);
            } catch {
              return undefined;
            }
          },
          logger: context.logger,
        }),
      );
    }
    context.services.provide(SpendLedgerToken, reportingDamage(new SqliteSpendLedger(store), store.path));
    context.services.provide(
      TelemetryQueryToken,
      reportingDamage(new SqliteTelemetryQuery(store, { jsonlPath: settings.jsonlPath }), store.path),
    );
  },
});

export default plugin;
