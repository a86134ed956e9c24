import Table from 'cli-table3';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatInteger(value: number): string {
  return integer.format(value);
}

/** Dollars as every table of llm-service shows them: cents, or two significant digits below a cent. */
export { formatUsd } from '@llm-service/plugin-kit';

export function formatMs(value: number | null): string {
  if (value === null) return '-';
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(1)} s`;
  const minutes = Math.floor(value / 60_000);
  return `${minutes} m ${Math.round((value % 60_000) / 1000)} s`;
}

export function formatPercent(value: number | null): string {
  if (value === null) return '-';
  return `${(value * 100).toFixed(1)}%`;
}

/** A borderless table with right-aligned numbers: readable in a terminal and in a log. */
export function renderTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  leftColumns = 1,
): string {
  const table = new Table({
    head: [...head],
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '  ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    colAligns: head.map((_, index) => (index < leftColumns ? 'left' : 'right')),
  });
  for (const row of rows) table.push([...row]);
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}
