export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

/** The entries of a file's top-level mapping `key`, or `undefined` when there is no such mapping to look into. */
export function entriesOf(value: unknown, key: string): [string, unknown][] | undefined {
  if (!isPlainObject(value)) return undefined;
  const section = value[key];
  return isPlainObject(section) ? Object.entries(section) : undefined;
}
