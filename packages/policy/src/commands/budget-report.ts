import type { BudgetReportV1, BudgetStatusV1, SpendLedgerV1 } from '@llm-service/spec';
import { spendScopeOf, type Budget } from '../policies-schema.js';
import { formatDuration, periodRange } from '../budget/periods.js';
import { formatUsd } from '@llm-service/plugin-kit';

/** One budget of policies.yaml with what has been spent against it in its current period (core's contract). */
export type BudgetStatus = BudgetStatusV1;

/** The documented `budget --json` shape; fields are only ever added. */
export type BudgetReport = BudgetReportV1;

const iso = (date: Date) => date.toISOString().replace('.000Z', 'Z');

export async function buildBudgetReport(request: {
  budgets: readonly Budget[];
  ledger: SpendLedgerV1;
  configDir: string;
  chainId: string | undefined;
  /** Whose spend a `project` budget reads. */
  project: string;
  now: Date;
}): Promise<BudgetReport> {
  const { now } = request;
  const budgets: BudgetStatus[] = [];
  for (const [index, budget] of request.budgets.entries()) {
    const spendScope = spendScopeOf(budget.scope, request);
    const timezone = budget.timezone ?? 'UTC';
    const range = periodRange(budget.period, now, timezone);
    const spentUsd =
      spendScope === null
        ? null
        : await request.ledger.spent(spendScope, budget.period, {
            at: now,
            ...(budget.timezone ? { timezone: budget.timezone } : {}),
          });
    const percent = spentUsd === null ? null : (spentUsd / budget.limit_usd) * 100;
    const alertAt = budget.alert_at_percent ?? null;
    const state: BudgetStatus['state'] =
      percent === null
        ? 'per-chain'
        : percent >= 100
          ? 'exceeded'
          : alertAt !== null && percent >= alertAt
            ? 'alert'
            : 'ok';
    budgets.push({
      index,
      scope: budget.scope,
      spendScope,
      period: budget.period,
      timezone,
      mode: budget.mode,
      limitUsd: budget.limit_usd,
      alertAtPercent: alertAt,
      spentUsd,
      percent,
      state,
      periodStart: iso(range.start),
      resetsAt: iso(range.end),
      resetsInMs: range.end.getTime() - now.getTime(),
    });
  }
  return {
    version: 1,
    configDir: request.configDir,
    at: iso(now),
    chainId: request.chainId ?? null,
    budgets,
  };
}

const usd = formatUsd;

/** A bar of `width` cells filled to `percent` (capped at full). */
export function bar(percent: number | null, width: number, unicode: boolean): string {
  const [full, empty] = unicode ? ['█', '░'] : ['#', '.'];
  if (percent === null) return ' '.repeat(width);
  const filled = Math.min(width, Math.round((Math.max(0, percent) / 100) * width));
  return `${full.repeat(filled)}${empty.repeat(width - filled)}`;
}

function pad(cells: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string[] {
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((row) => [...row[column]!].length)));
  return cells.map((row) =>
    row
      .map((cell, column) => {
        const gap = ' '.repeat(widths[column]! - [...cell].length);
        return rightAligned.has(column) ? gap + cell : cell + gap;
      })
      .join('  ')
      .trimEnd(),
  );
}

/** `budget` for people: one aligned line per budget with spent, limit, a bar, percentage, mode and reset. */
export function renderBudgetReport(
  report: BudgetReport,
  options: { unicode: boolean; policiesFileExists?: boolean },
): string {
  if (report.budgets.length === 0 && options.policiesFileExists === false) {
    return (
      `No budgets: there is no policies.yaml in ${report.configDir}. Add one with budgets: entries ` +
      '(see docs/configuration.md), or write a config with budgets: llm-service init --template cost-optimized --dir DIR\n'
    );
  }
  if (report.budgets.length === 0) {
    return `No budgets: ${report.configDir}/policies.yaml has no budgets: entries.\n`;
  }
  const rows = report.budgets.map((status) => [
    status.scope === 'project' && status.spendScope
      ? `project (${status.spendScope.slice('project:'.length)})`
      : status.scope,
    status.period + (status.timezone === 'UTC' ? '' : ` (${status.timezone})`),
    status.mode,
    status.spentUsd === null ? '-' : usd(status.spentUsd),
    usd(status.limitUsd),
    `[${bar(status.percent, 20, options.unicode)}]`,
    status.percent === null ? 'per chain' : `${status.percent.toFixed(1)}%`,
    status.state === 'ok' || status.state === 'per-chain' ? '' : status.state,
    `${formatDuration(status.resetsInMs)} (${status.resetsAt})`,
  ]);
  const lines = pad(
    [['budget', 'period', 'mode', 'spent', 'limit', 'use', '%', 'state', 'resets in'], ...rows],
    new Set([3, 4, 6]),
  );
  const notes: string[] = [];
  if (report.budgets.some((status) => status.state === 'per-chain'))
    notes.push('Chain budgets hold for each chain id on its own: add --chain-id ID to see one chain.');
  return `${[...lines, ...(notes.length ? ['', ...notes] : [])].join('\n')}\n`;
}
