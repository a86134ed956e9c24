import Table from 'cli-table3';

export interface TableOptions {
  /** The terminal's width; undefined off a terminal, where rows are never wrapped. */
  width: number | undefined;
  /** Box-drawing borders (on a terminal); plain aligned columns otherwise, easy to grep and cut. */
  borders: boolean;
}

const borderless = {
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
};

// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*m/g;
const visibleLength = (text: string) => text.replace(ansi, '').length;

/**
 * Column widths that fit `width`: columns keep their natural width when everything fits; otherwise the widest columns
 * give up space first (and wrap), none below 8 characters.
 */
export function fitColumns(natural: readonly number[], width: number, overhead: number): number[] {
  const widths = [...natural];
  const budget = width - overhead;
  const minimum = 8;
  while (widths.reduce((sum, value) => sum + value, 0) > budget) {
    let widest = 0;
    widths.forEach((value, index) => {
      if (value > (widths[widest] ?? 0)) widest = index;
    });
    if ((widths[widest] ?? 0) <= minimum) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return widths;
}

/** Renders rows under a header; on a terminal it fits the width, wrapping long cells on word boundaries. */
export function renderTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions,
): string {
  const padding = options.borders ? 2 : 0;
  const natural = head.map(
    (title, column) =>
      Math.max(visibleLength(title), ...rows.map((row) => visibleLength(row[column] ?? ''))) + padding,
  );
  const overhead = options.borders ? head.length + 1 : (head.length - 1) * 2;
  const colWidths = options.width === undefined ? natural : fitColumns(natural, options.width, overhead);
  const table = new Table({
    head: [...head],
    colWidths,
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: {
      head: [],
      border: [],
      'padding-left': options.borders ? 1 : 0,
      'padding-right': options.borders ? 1 : 0,
    },
    ...(options.borders ? {} : { chars: borderless }),
  });
  for (const row of rows) table.push([...row]);
  const text = table.toString();
  // Borderless tables end lines with padding; scripts comparing output should not see trailing spaces.
  return `${text
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .join('\n')}\n`;
}

/** Whether a stream is a terminal, and how wide. */
export function tableOptionsFor(stream: NodeJS.WritableStream): TableOptions {
  const tty = stream as NodeJS.WriteStream;
  const isTerminal = tty.isTTY === true;
  const columns = tty.columns !== undefined && tty.columns > 0 ? tty.columns : 80;
  return { width: isTerminal ? columns : undefined, borders: isTerminal };
}
