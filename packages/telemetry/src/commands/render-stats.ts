import { formatInteger, formatMs, formatPercent, formatUsd, renderTable } from './format.js';
import type { StatsFigures, StatsReport } from './stats-report.js';

const groupHeadings: Record<StatsReport['groupBy'], string> = {
  agent: 'agent',
  model: 'model',
  tool: 'tool',
  'task-type': 'task type',
  project: 'project',
  task: 'task',
  day: 'day',
};

function cells(row: StatsFigures, share: string): string[] {
  return [
    row.group,
    formatInteger(row.invocations),
    formatPercent(row.successRate),
    formatInteger(row.tokens.input),
    formatInteger(row.tokens.output),
    formatInteger(row.tokens.cacheRead),
    formatInteger(row.tokens.cacheWrite),
    // `~`: the figure includes costs estimated from counted tokens.
    `${row.estimatedCostUsd > 0 ? '~' : ''}${formatUsd(row.costUsd)}`,
    share,
    formatMs(row.latencyMs.average),
    formatMs(row.latencyMs.p95),
  ];
}

/** `stats` for people: a heading, an aligned table with a total line, and notes on running work and costs. */
export function renderStats(report: StatsReport): string {
  const lines: string[] = [];
  const scope =
    report.chainId !== null
      ? ` in chain ${report.chainId}`
      : report.taskId !== null
        ? ` of task ${report.taskId}`
        : report.project !== null
          ? ` of project ${report.project}`
          : ' of all projects';
  if (!report.database.exists) {
    return (
      `No telemetry recorded yet: ${report.database.path} does not exist.\n` +
      'Invocations appear here once `llm-service exec` has run (telemetry.db_path in llm-service.yaml moves the file).\n'
    );
  }
  if (report.groups.length === 0) {
    lines.push(`No invocations${scope} ${report.window.description}.`);
    if (report.recordedInTotal === 0) {
      lines.push(
        `The database ${report.database.path} is empty: run \`llm-service exec\` and invocations appear here.`,
      );
    } else {
      lines.push(
        `${formatInteger(report.recordedInTotal)} invocation${report.recordedInTotal === 1 ? '' : 's'} recorded in all; ` +
          'widen the window with --weekly, --monthly or --since YYYY-MM-DD.',
      );
    }
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Invocations${scope} ${report.window.description}, by ${groupHeadings[report.groupBy]}`, '');
  const byCost = report.total.costUsd > 0;
  const rows = report.groups.map((group) =>
    cells(group, formatPercent(byCost ? group.share.costUsd : group.share.invocations)),
  );
  if (report.groups.length > 1) rows.push(cells(report.total, formatPercent(1)));
  lines.push(
    renderTable(
      [
        groupHeadings[report.groupBy],
        'calls',
        'success',
        'input',
        'output',
        'cache read',
        'cache write',
        'cost',
        byCost ? 'share' : 'share (calls)',
        'avg latency',
        'p95 latency',
      ],
      rows,
    ),
  );
  const notes: string[] = [];
  if (report.running.count > 0) {
    const live = report.running.count - report.running.abandoned;
    const parts = [];
    if (live > 0) parts.push(`${live} still running`);
    if (report.running.abandoned > 0)
      parts.push(`${report.running.abandoned} abandoned (their process ended without recording a result)`);
    notes.push(`Included above: ${parts.join(', ')}.`);
  }
  const { estimatedCostUsd, unknownCostCalls } = report.total;
  if (estimatedCostUsd > 0)
    notes.push(
      `~ Includes ${formatUsd(estimatedCostUsd)} estimated from counted tokens, for tools that report no usage.`,
    );
  if (unknownCostCalls > 0)
    notes.push(
      `${formatInteger(unknownCostCalls)} call${unknownCostCalls === 1 ? ' has' : 's have'} an unknown cost ` +
        '(no usage reported and no estimator loaded; the policy plugin estimates) and no part in the cost column.',
    );
  const check = report.costCheck;
  if (check.toolReportedCalls > 0) {
    notes.push(
      `Tool-reported cost on ${formatInteger(check.toolReportedCalls)} call${check.toolReportedCalls === 1 ? '' : 's'}: ` +
        `${formatUsd(check.toolReportedUsd)} reported, ${formatUsd(check.computedUsd)} from the price table` +
        (check.disagreeing > 0 ? ` (${formatInteger(check.disagreeing)} differ by more than 5%).` : '.'),
    );
  }
  if (report.savings) {
    const { baselineUsd, actualUsd, savedUsd } = report.savings;
    notes.push(
      `Savings: ${formatUsd(savedUsd)} (${formatUsd(actualUsd)} spent where the requested models would have cost ${formatUsd(baselineUsd)}).`,
    );
    for (const [heading, rows] of [
      ['reason', report.savings.byReason],
      ['agent', report.savings.byAgent],
    ] as const) {
      if (rows.length === 0) continue;
      notes.push(
        '',
        renderTable(
          [heading, 'calls', 'requested models', 'spent', 'saved', 'saved %'],
          rows.map((row) => [
            row.group,
            formatInteger(row.invocations),
            formatUsd(row.baselineUsd),
            formatUsd(row.actualUsd),
            formatUsd(row.savedUsd),
            formatPercent(row.baselineUsd === 0 ? null : row.savedUsd / row.baselineUsd),
          ]),
          1,
        ),
      );
    }
  }
  if (report.invocations && report.invocations.length > 0) {
    notes.push(
      '',
      renderTable(
        ['started', 'attempt', 'agent', 'tool:model', 'reason', 'status', 'tokens', 'cost', 'latency'],
        report.invocations.map((record) => [
          record.startedAt,
          String(record.attempt),
          record.agent,
          `${record.tool}:${record.model}`,
          record.reason,
          record.errorKind && record.status !== 'success'
            ? `${record.status} (${record.errorKind})`
            : record.status,
          formatInteger(
            record.inputTokens + record.outputTokens + record.cacheReadTokens + record.cacheWriteTokens,
          ),
          record.costUsd === null ? '-' : formatUsd(record.costUsd),
          formatMs(record.latencyMs),
        ]),
        6,
      ),
    );
  }
  if (notes.length > 0) lines.push('', ...notes);
  return `${lines.join('\n')}\n`;
}
