import type {
  BudgetReportV1,
  BudgetStatusV1,
  PlanWindowStatusV1,
  PlanWindowsV1,
  SpendLedgerV1,
  ToolHoldV1,
} from '@llm-service/spec';
import { spendScopeOf, type Budget } from '../policies-schema.js';
import { formatDuration, periodRange } from '../budget/periods.js';
import { describeAge, describeWhen, percentOf, windowLabel } from '../plan-limits/describe-window.js';
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
  /** The shared plan windows; without them (no plugin provides them) the report has no `windows`. */
  planWindows?: PlanWindowsV1 | undefined;
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
            count: budget.count,
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
      count: budget.count,
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
    ...(request.planWindows ? { windows: await windowStatuses(request.planWindows, now) } : {}),
  };
}

/**
 * Every tool's latest reading of each window, with its age and the tool's hold, by tool and window. Every observed
 * tool is listed, whatever its billing: a metered key's quota window (a 429's reset) is as real as a subscription's.
 */
export async function windowStatuses(planWindows: PlanWindowsV1, now: Date): Promise<PlanWindowStatusV1[]> {
  const readings = await planWindows.latest();
  const holds = new Map<string, ToolHoldV1 | undefined>();
  for (const tool of new Set(readings.map((reading) => reading.tool)))
    holds.set(tool, await planWindows.heldUntil(tool, now));
  return [...readings]
    .sort((a, b) => a.tool.localeCompare(b.tool) || a.window.localeCompare(b.window))
    .map((reading) => {
      const hold = holds.get(reading.tool);
      return {
        ...reading,
        ageMs: Math.max(0, now.getTime() - Date.parse(reading.observedAt)),
        ...(hold ? { hold } : {}),
      };
    });
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

/** The dollar budgets' table, or the line saying there are none. */
function renderBudgets(
  report: BudgetReport,
  options: { unicode: boolean; policiesFileExists?: boolean },
): string[] {
  if (report.budgets.length === 0 && options.policiesFileExists === false) {
    return [
      `No budgets: there is no policies.yaml in ${report.configDir}. Add one with budgets: entries ` +
        '(see docs/configuration.md), or write a config with budgets: llm-service init --template cost-optimized --dir DIR',
    ];
  }
  if (report.budgets.length === 0)
    return [`No budgets: ${report.configDir}/policies.yaml has no budgets: entries.`];
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
  return [...lines, ...(notes.length ? ['', ...notes] : [])];
}

/**
 * The plan windows' table: a gauge per tool and window, with where the provider said it stands, when it resets and
 * how old the reading is (a window moves while nobody here runs the tool), and the tool's hold. Times are local.
 */
function renderWindows(
  windows: readonly PlanWindowStatusV1[],
  now: Date,
  options: { unicode: boolean; timeZone?: string | undefined; subscriptionTools?: readonly string[] },
): string[] {
  const unobserved = (options.subscriptionTools ?? []).filter(
    (tool) => !windows.some((window) => window.tool === tool),
  );
  const notes = unobserved.length
    ? [
        `No plan window observed yet for ${unobserved.join(', ')} (billed by subscription): each run reports it.`,
      ]
    : [];
  if (windows.length === 0) return notes;
  const rows = windows.map((window) => {
    const percent = window.utilization === undefined ? null : window.utilization * 100;
    const resetsAt = window.resetsAt === undefined ? undefined : new Date(window.resetsAt);
    const reset =
      resetsAt === undefined
        ? '-'
        : resetsAt.getTime() <= now.getTime()
          ? `reset since ${describeAge(now.getTime() - resetsAt.getTime())}`
          : describeWhen(resetsAt, now, options.timeZone);
    return [
      `${window.tool} ${windowLabel(window.window)}`,
      `[${bar(percent, 20, options.unicode)}]`,
      window.utilization === undefined ? '-' : percentOf(window.utilization),
      window.status === 'allowed' ? '' : window.status,
      reset,
      describeAge(window.ageMs),
      window.hold ? `held until ${describeWhen(new Date(window.hold.until), now, options.timeZone)}` : '',
    ];
  });
  return [
    ...pad([['plan window', 'use', '%', 'status', 'resets', 'observed', 'hold'], ...rows], new Set([2])),
    ...(notes.length ? ['', ...notes] : []),
  ];
}

/**
 * `budget` for people: one aligned line per budget with spent, limit, a bar, percentage, mode and reset; then the plan
 * windows of subscriptions, which are not dollars and so get their own table.
 */
export function renderBudgetReport(
  report: BudgetReport,
  options: {
    unicode: boolean;
    policiesFileExists?: boolean;
    /** The zone window times are shown in; the process's own when absent. */
    timeZone?: string;
    /** Tools billed by subscription, named when no window of theirs was observed yet. */
    subscriptionTools?: readonly string[];
  },
): string {
  const windows = report.windows ? renderWindows(report.windows, new Date(report.at), options) : [];
  return `${[...renderBudgets(report, options), ...(windows.length ? ['', ...windows] : [])].join('\n')}\n`;
}
