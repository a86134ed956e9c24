import { BudgetReporterToken, TelemetryQueryToken, UsageError, type KernelHandle } from '@llm-service/spec';
import { InvocationFeed } from './invocation-feed.js';
import { SpendFeed } from './spend-feed.js';
import { readTaskSpend } from './task-spend.js';
import type { TaskSpend } from '../model.js';

export { InvocationFeed, type InvocationFeedOptions } from './invocation-feed.js';
export { SpendFeed, type SpendFeedOptions } from './spend-feed.js';
export { readTaskSpend, sumAttempts } from './task-spend.js';

/** Where the dashboard's invocations and spend come from; both are started and kept current. */
export interface DashboardSources {
  invocations: InvocationFeed;
  spend: SpendFeed;
  /** What one task has spent so far, read from telemetry by its id. */
  readTaskSpend(taskId: string): Promise<TaskSpend | null>;
  close(): Promise<void>;
}

/**
 * Reads telemetry through the spec's TelemetryQueryV1 and budgets through BudgetReporterV1, whichever plugins provide
 * them: the dashboard depends on contracts, never on the telemetry or policy plugin. With `project`, the invocations
 * and spend are that project's only (budgets are the config's, whatever project they read).
 */
export async function openDashboardSources(
  kernel: KernelHandle,
  options: { project?: string } = {},
): Promise<DashboardSources> {
  const query = await kernel.service(TelemetryQueryToken);
  if (!query) {
    throw new UsageError('dashboard needs telemetry, and no loaded plugin provides it', {
      hint: 'load @llm-service/telemetry (the llm-service CLI does by default)',
    });
  }
  const budgets = await kernel.service(BudgetReporterToken);
  const { project } = options;
  const invocations = new InvocationFeed({ query, project });
  const spend = new SpendFeed({ query, budgets, project });
  await Promise.all([invocations.start(), spend.start()]);
  const subscription = invocations.changes.subscribe(() => spend.invalidate());
  return {
    invocations,
    spend,
    readTaskSpend: (taskId) => readTaskSpend(query, taskId),
    async close() {
      subscription.unsubscribe();
      await Promise.all([invocations.close(), spend.close()]);
    },
  };
}
