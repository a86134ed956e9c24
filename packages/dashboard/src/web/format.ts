// Formatters are built once: a `toLocaleString` call builds one each time, which costs more than drawing the row.
const wholeNumber = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const belowACent = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2 });
const twoDigits = (value: number) => String(value).padStart(2, '0');

export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs === 0) return '$0.00';
  // As the CLI's tables (plugin kit's formatUsd, not importable in the page): two significant digits below a cent.
  if (abs < 0.01) return `${value < 0 ? '-' : ''}$${belowACent.format(abs)}`;
  if (abs < 1000) return `$${value.toFixed(2)}`;
  return `$${wholeNumber.format(Math.round(value))}`;
}

export function count(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Number.isInteger(value) ? wholeNumber.format(value) : value.toLocaleString('en-US');
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** A time of day for today's rows, else the date and time. */
export function clock(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const now = new Date();
  const hoursMinutes = `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}`;
  const sameDay =
    date.getFullYear() === now.getFullYear() &&
    date.getMonth() === now.getMonth() &&
    date.getDate() === now.getDate();
  if (sameDay) return `${hoursMinutes}:${twoDigits(date.getSeconds())}`;
  const day = `${date.getFullYear()}-${twoDigits(date.getMonth() + 1)}-${twoDigits(date.getDate())}`;
  return `${day} ${hoursMinutes}`;
}

export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${value < 10 ? value.toFixed(1) : Math.round(value)}%`;
}

/** A stable colour for a group name (a model or an agent), from a palette readable on white. */
const palette = [
  '#2563eb',
  '#d97706',
  '#059669',
  '#db2777',
  '#7c3aed',
  '#0891b2',
  '#65a30d',
  '#dc2626',
  '#4b5563',
  '#c026d3',
];

export function colourFor(group: string, order: readonly string[]): string {
  const index = order.indexOf(group);
  if (index >= 0) return palette[index % palette.length] as string;
  let hash = 0;
  for (const char of group) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return palette[hash % palette.length] as string;
}
