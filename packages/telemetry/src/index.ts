import {
  definePlugin,
  PlanWindowsToken,
  SpendLedgerToken,
  TelemetryQueryToken,
  type EventSubscription,
  type TelemetryStoreV1,
} from '@llm-service/spec';
import { migrateCommand, pruneCommand, statsCommand } from './commands/definitions.js';
import { SpendLedger } from './ledger/spend-ledger.js';
import { PlanWindows } from './plan-windows/plan-windows.js';
import { FailureReporter } from './sinks/failure-reporter.js';
import { TelemetryQuery } from './query/telemetry-query.js';
import { JsonlSink } from './sinks/jsonl-sink.js';
import { StoreSink } from './sinks/store-sink.js';
import { openStore } from './selection/open-store.js';
import { resolveSettings } from './store/paths.js';
import { PromptHasher } from './privacy/prompt-hash.js';
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
export { provideSqliteDriver, type BundledSqliteDriver } from './store/driver.js';
export { StoreSink, type StoreSinkOptions } from './sinks/store-sink.js';
export { JsonlSink, sanitiseEvent, type JsonlSinkOptions } from './sinks/jsonl-sink.js';
export { insertInvocationSql, invocationColumns } from './sqlite/attempt-sql.js';
export { SqliteTelemetryStore, type SqliteTelemetryStoreOptions } from './sqlite/sqlite-store.js';
export { Spool, spoolPath } from './spool/spool.js';
export { openStore, type OpenedStore } from './selection/open-store.js';
export { SpendLedger, spendPeriod, type SpendCount, type SpendLedgerOptions } from './ledger/spend-ledger.js';
export { PlanWindows, type PlanWindowsOptions } from './plan-windows/plan-windows.js';
export {
  TelemetryQuery,
  type DetailedAggregateRow,
  type GroupBy,
  type SavingsRow,
  type RunningRecord,
} from './query/telemetry-query.js';
export { PromptHasher } from './privacy/prompt-hash.js';
export { migrateCommand, pruneCommand, statsCommand } from './commands/definitions.js';
export type { StatsReport, StatsGroup, StatsFigures } from './commands/stats-report.js';

/** Loads the report builders of `stats` and `telemetry prune` (kept out of the plugin's start-up path). */
export function loadReports(): Promise<typeof StatsModule> {
  return import('./commands/stats-module.js');
}

/** What `register` opened in one kernel, for `dispose` to finish and close (kept in the plugin's container). */
interface KernelState {
  store: TelemetryStoreV1;
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
  commands: [statsCommand, pruneCommand, migrateCommand],
  register(context) {
    const settings = resolveSettings(context.settings.sections.telemetry, context.config.dir, context.env);
    const { store, spool } = openStore(settings, {
      project: context.config.project,
      configDir: context.config.dir,
      provider: (token) => (context.services.has(token) ? context.services.require(token) : undefined),
    });
    const sink = new StoreSink({
      store,
      ...(spool ? { spool } : {}),
      captureContent: settings.captureContent,
      logger: context.logger,
      // Closed by the plugin's dispose instead, which comes after every sink's: plan windows may still be
      // writing when the sink is done.
      closeStoreOnDispose: false,
    });
    context.sinks.add(sink);
    if (settings.jsonlPath) {
      let hasher: PromptHasher | undefined;
      context.sinks.add(
        new JsonlSink({
          path: settings.jsonlPath,
          maxBytes: settings.jsonlMaxBytes,
          maxFiles: settings.jsonlMaxFiles,
          captureContent: settings.captureContent,
          keyPromptHash: (promptSha256) => {
            try {
              hasher ??= store.promptKeyNow ? new PromptHasher(store.promptKeyNow()) : undefined;
              return hasher?.hash(promptSha256);
            } catch {
              return undefined;
            }
          },
          logger: context.logger,
        }),
      );
    }
    // Readers in this process see every attempt it has handed the sink so far.
    const beforeRead = () => sink.settled();
    context.services.provide(
      SpendLedgerToken,
      reportingDamage(
        new SpendLedger(store, { beforeRead, leaseMs: settings.reservationLeaseMs }),
        store.location,
      ),
    );
    context.services.provide(
      TelemetryQueryToken,
      reportingDamage(new TelemetryQuery(store, { beforeRead }), store.location),
    );
    const planWindows = reportingDamage(new PlanWindows(store), store.location);
    context.services.provide(PlanWindowsToken, planWindows);

    const pending = new Set<Promise<void>>();
    // A failed write is warned about (once, then counted) and the subscription kept: the bus would drop a subscriber
    // whose promise rejects, and with it every later reading of this run.
    const reporter = new FailureReporter('plan window reading', context.logger, store.location);
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
    await state.store.close({ processExits: context.processExits === true });
  },
});

export default plugin;
