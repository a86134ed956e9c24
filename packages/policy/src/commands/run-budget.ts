import { SpendLedgerToken, UsageError, type CommandInput } from '@llm-service/core';
import { POLICIES_FILE, type PoliciesFile } from '../policies-schema.js';
import { buildBudgetReport, renderBudgetReport } from './budget-report.js';

interface BudgetOptions {
  json?: boolean;
  chainId?: string;
}

export async function runBudget(input: CommandInput, now = new Date()): Promise<number> {
  const options = input.options as BudgetOptions;
  const kernel = await input.kernel();
  const config = await kernel.config();
  const policies = config.files[POLICIES_FILE] as PoliciesFile | undefined;
  const ledger = await kernel.service(SpendLedgerToken);
  if (!ledger) {
    throw new UsageError('budget needs a spend ledger, and no loaded plugin provides one', {
      hint: 'load @llm-service/telemetry (the llm-service CLI does by default)',
    });
  }
  const report = await buildBudgetReport({
    budgets: policies?.budgets ?? [],
    ledger,
    configDir: config.dir,
    chainId: options.chainId,
    now,
  });
  input.io.stdout.write(
    options.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : renderBudgetReport(report, { unicode: input.io.interactive }),
  );
  return 0;
}
