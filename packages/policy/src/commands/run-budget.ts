import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BudgetReporterToken, UsageError, type CommandInput } from '@llm-service/spec';
import { renderBudgetReport } from './budget-report.js';
import { roundFigures } from '@llm-service/plugin-kit';

interface BudgetOptions {
  json?: boolean;
  chainId?: string;
}

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
  input.io.stdout.write(
    options.json
      ? `${JSON.stringify(report, roundFigures, 2)}\n`
      : renderBudgetReport(report, {
          unicode: input.io.interactive,
          policiesFileExists: existsSync(join(report.configDir, 'policies.yaml')),
        }),
  );
  return 0;
}
