/**
 * Formatters are built once, on first use: `toLocaleString` builds one on every call, and building the first loads
 * ICU's data (about 20 ms), which a process that prints no money (`exec` without a summary) must not pay at start-up.
 */
let formatters: { cents: Intl.NumberFormat; belowACent: Intl.NumberFormat } | undefined;

function moneyFormatters(): { cents: Intl.NumberFormat; belowACent: Intl.NumberFormat } {
  formatters ??= {
    cents: new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    belowACent: new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2 }),
  };
  return formatters;
}

/**
 * Dollars as people read them: cents ($12.34, $1,234.56), or two significant digits below a cent ($0.0042, $0.00086),
 * where a table of cents would show $0.00 for every call.
 */
export function formatUsd(value: number): string {
  const absolute = Math.abs(value);
  const sign = value < 0 ? '-' : '';
  if (absolute === 0) return '$0.00';
  const { cents, belowACent } = moneyFormatters();
  return `${sign}$${absolute < 0.01 ? belowACent.format(absolute) : cents.format(absolute)}`;
}

/** How many significant digits figures keep in JSON: more than any price has, fewer than float noise needs. */
const significantDigits = 10;

/**
 * A `JSON.stringify` replacer that prints every fractional number with 10 significant digits, so a sum of float costs
 * reads 0.00008, not 0.00007999999999999999. Integers (token counts, milliseconds) are left as they are.
 */
export function roundFigures(_key: string, value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)
    ? Number(value.toPrecision(significantDigits))
    : value;
}
