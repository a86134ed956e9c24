import type { SimulatedCosts, SimulationReport } from './simulate.js';
import { formatUsd } from '@llm-service/plugin-kit';

const usd = (value: number | null) => (value === null ? '-' : formatUsd(value));
const percent = (value: number | null) => (value === null ? '-' : `${value.toFixed(1)}%`);
const integer = (value: number) => value.toLocaleString('en-US');

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [head, ...rows];
  const widths = head.map((_, column) => Math.max(...all.map((row) => row[column]!.length)));
  return all.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** Saved by the candidate against the current policies; without a candidate, by the current against requested. */
function saved(costs: SimulatedCosts): string {
  const [from, to] =
    costs.candidateUsd === null
      ? [costs.requestedUsd, costs.currentUsd]
      : [costs.currentUsd, costs.candidateUsd];
  return from === 0 ? '-' : percent(((from - to) / from) * 100);
}

/** `simulate` for people: totals, then tables per agent and per model. */
export function renderSimulation(report: SimulationReport): string {
  const withCandidate = report.policies.candidate !== null;
  const source =
    report.source.kind === 'workload' ? report.source.path : `telemetry since ${report.source.since}`;
  const costHeads = [
    'requests',
    'requested models',
    'current',
    ...(withCandidate ? ['candidate'] : []),
    'saved',
  ];
  const costCells = (costs: SimulatedCosts) => [
    integer(costs.requests),
    usd(costs.requestedUsd),
    usd(costs.currentUsd),
    ...(withCandidate ? [usd(costs.candidateUsd)] : []),
    saved(costs),
  ];
  const lines = [
    `Simulated ${integer(report.total.requests)} requests from ${source}`,
    `  current policies:   ${report.policies.current}`,
    ...(withCandidate ? [`  candidate policies: ${report.policies.candidate}`] : []),
    '',
  ];
  const total = report.total;
  lines.push(
    withCandidate
      ? `The candidate policies cost ${usd(total.candidateUsd)} against ${usd(total.currentUsd)} now: ` +
          `${percent(total.candidateSavedPercent)} saved (${percent(total.candidateVsRequestedPercent)} against always the requested models, ${usd(total.requestedUsd)}).`
      : `The current policies cost ${usd(total.currentUsd)} against ${usd(total.requestedUsd)} on the requested models: ${percent(total.currentSavedPercent)} saved.`,
  );
  const { current: blockedNow, candidate: blockedThen } = report.blockedByBudgets;
  if (blockedNow.requests > 0 || (blockedThen?.requests ?? 0) > 0) {
    const blockedText = (entry: { requests: number; costUsd: number }) =>
      `${integer(entry.requests)} requests (${usd(entry.costUsd)})`;
    lines.push(
      `Hard budgets block ${blockedText(blockedNow)} under the current policies` +
        (blockedThen ? ` and ${blockedText(blockedThen)} under the candidate ones` : '') +
        ': work not done, so not in the costs or savings above.',
    );
  }
  lines.push('');
  lines.push(
    ...table(
      ['agent', ...costHeads],
      [...report.byAgent.map((agent) => [agent.agent, ...costCells(agent)]), ['total', ...costCells(total)]],
    ),
    '',
  );
  const modelCell = (entry: { requests: number; costUsd: number } | null) =>
    entry === null || entry.requests === 0 ? '-' : `${integer(entry.requests)} × ${usd(entry.costUsd)}`;
  lines.push(
    ...table(
      ['model', 'requested models', 'current', ...(withCandidate ? ['candidate'] : [])],
      report.byModel.map((model) => [
        model.model,
        modelCell(model.requested),
        modelCell(model.current),
        ...(withCandidate ? [modelCell(model.candidate)] : []),
      ]),
    ),
  );
  if (report.skipped.length > 0) {
    lines.push('', 'Not simulated:');
    for (const entry of report.skipped) lines.push(`  ${integer(entry.requests)} × ${entry.reason}`);
  }
  lines.push('', ...report.notes);
  return `${lines.join('\n')}\n`;
}
