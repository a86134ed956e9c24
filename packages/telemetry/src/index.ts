import {
  definePlugin,
  PlanWindowsToken,
  SpendLedgerToken,
  TelemetryQueryToken,
  type EventSubscription,
} from '@llm-service/spec';
import { pruneCommand, statsCommand } from './commands/definitions.js';
import { SqliteSpendLedger } from './ledger/spend-ledger.js';
import { SqlitePlanWindows } from './plan-windows/plan-windows.js';
import { FailureReporter } from './sinks/failure-reporter.js';
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
export {
  SqliteSpendLedger,
  spendPeriod,
  type SpendCount,
  type SpendLedgerOptions,
} from './ledger/spend-ledger.js';
export { SqlitePlanWindows, type PlanWindowsOptions } from './plan-windows/plan-windows.js';
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

/** What `register` opened in one kernel, for `dispose` to finish and close (kept in the plugin's container). */
interface KernelState {
  store: TelemetryStore;
  subscriptions: EventSubscription[];
  /** Observations being recorded: dispose waits for them, since exec exits right after it. */
  pending: Set<Promise<void>>;
  reporter: FailureReporter;
}

const kernelStateToken = Symbol('@llm-service/telemetry kernel state');

/**
 * Records every attempt of every invocation in SQLite (and, when `telemetry.jsonl_path` is set, as JSONL), and every
 * plan window a program reports; provides the spend ledger, the telemetry query service and the plan windows; and
 * contributes `stats` and `telemetry prune`. Nothing is opened or loaded until the first event, query or command
 * needs the database.
 */
const plugin = definePlugin({
  name: '@llm-service/telemetry',
  version: '0.1.0',
  apiVersion: '^1.9.0',
  provides: [SpendLedgerToken, TelemetryQueryToken, PlanWindowsToken],
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
        // Closed by the plugin's dispose instead, which comes after every sink's: plan windows may still be
        // writing when the sink is done.
        closeStoreOnDispose: false,
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
    const planWindows = reportingDamage(new SqlitePlanWindows(store), store.path);
    context.services.provide(PlanWindowsToken, planWindows);

    const pending = new Set<Promise<void>>();
    // A failed write is warned about (once, then counted) and the subscription kept: the bus would drop a subscriber
    // whose promise rejects, and with it every later reading of this run.
    const reporter = new FailureReporter('plan window reading', context.logger, store.path);
    const track = (write: Promise<void>) => {
      const recording = write
        .catch((error: unknown) => reporter.report(error))
        .finally(() => pending.delete(recording));
      pending.add(recording);
    };
    const readings = context.events.on('limits.observed', 'telemetry plan windows', (event) =>
      track(
        planWindows.record({
          tool: event.tool,
          ...(event.account === undefined ? {} : { account: event.account }),
          window: event.window,
          status: event.status,
          ...(event.utilization === undefined ? {} : { utilization: event.utilization }),
          ...(event.resetsAt === undefined ? {} : { resetsAt: event.resetsAt }),
          observedAt: event.at,
        }),
      ),
    );
    // A refusal for the plan holds its tool until the reset: starting it again before then can only fail. A reading
    // alone does not, since a program may call a window used up while it still serves requests (on overage credit).
    const refusals = context.events.on('invocation.failed', 'telemetry plan-limit holds', (event) => {
      if (event.errorKind !== 'plan-limit' || event.resetsAt === undefined) return;
      const until = event.resetsAt;
      if (!(Date.parse(until) > Date.now())) return;
      track(
        (async () => {
          // The window the program said was used up, when it said (its reading came before the failure).
          const refused = (await planWindows.latest({ tool: event.tool })).find(
            (reading) => reading.status === 'rejected',
          );
          await planWindows.hold({
            tool: event.tool,
            until,
            reason: event.message,
            ...(refused ? { window: refused.window } : {}),
          });
        })(),
      );
    });
    context.container.registerInstance<KernelState>(kernelStateToken, {
      store,
      subscriptions: [readings, refusals],
      pending,
      reporter,
    });
  },
  async dispose(context) {
    if (!context.container.isRegistered(kernelStateToken)) return;
    const state = context.container.resolve<KernelState>(kernelStateToken);
    for (const subscription of state.subscriptions) subscription.unsubscribe();
    await Promise.all(state.pending);
    state.reporter.summarise();
    state.store.close();
  },
});

export default plugin;
