import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BudgetReporterToken, TelemetryQueryToken, UsageError, type CommandInput } from '@llm-service/spec';
import { renderBudgetReport } from './budget-report.js';
import { roundFigures } from '@llm-service/plugin-kit';

interface BudgetOptions {
  json?: boolean;
  chainId?: string;
  allProjects?: boolean;
}

/** A `project` budget's period is at most a month: a project that spent nothing for 32 days is under every one. */
const PROJECT_LOOKBACK_MS = 32 * 24 * 60 * 60 * 1000;

export async function runBudget(input: CommandInput, now = new Date()): Promise<number> {
  const options = input.options as BudgetOptions;
  const kernel = await input.kernel();
  const reporter = await kernel.service(BudgetReporterToken);
  if (!reporter) {
    throw new UsageError('budget needs the policy plugin, and it is not loaded', {
      hint: 'load @llm-service/policy (the llm-service CLI does by default)',
    });
  }
  const report = await reporter.report({ chainId: options.chainId, now });
  if (options.allProjects && report.budgets.some((status) => status.scope === 'project')) {
    // The current project's `project` budgets come first, then each other project's that has spent lately.
    const query = await kernel.service(TelemetryQueryToken);
    const since = new Date(now.getTime() - PROJECT_LOOKBACK_MS);
    const projects = query ? await query.aggregate({ filter: { since }, groupBy: 'project' }) : [];
    const current = (await kernel.config()).project;
    for (const { group } of [...projects].sort((a, b) => a.group.localeCompare(b.group))) {
      if (group === current) continue;
      const other = await reporter.report({ chainId: options.chainId, project: group, now });
      report.budgets.push(...other.budgets.filter((status) => status.scope === 'project'));
    }
  }
  input.io.stdout.write(
    options.json
      ? `${JSON.stringify(report, roundFigures, 2)}\n`
      : renderBudgetReport(report, {
          unicode: input.io.interactive,
          policiesFileExists: existsSync(join(report.configDir, 'policies.yaml')),
          subscriptionTools: Object.entries((await kernel.config()).tools)
            .filter(([, tool]) => tool.billing === 'subscription')
            .map(([id]) => id),
        }),
  );
  return 0;
}
