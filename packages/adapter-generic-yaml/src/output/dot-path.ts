/** `*` matches every element of an array or every value of an object at its level. */
export const wildcard = '*';

/** A dot path is non-empty segments joined by dots; keys containing dots cannot be addressed (kept simple on purpose). */
export function parseDotPath(path: string): string[] | undefined {
  const segments = path.split('.');
  return segments.every((segment) => segment.length > 0) ? segments : undefined;
}

/**
 * Every value the path reaches, in document order. A numeric segment indexes an array (and is an ordinary key on an
 * object); a path that leads nowhere yields no values rather than failing, since tools omit fields freely.
 */
export function selectPath(value: unknown, segments: readonly string[]): unknown[] {
  let current: unknown[] = [value];
  for (const segment of segments) {
    const next: unknown[] = [];
    for (const node of current) {
      if (segment === wildcard) {
        if (Array.isArray(node)) next.push(...(node as unknown[]));
        else if (isRecord(node)) next.push(...Object.values(node));
      } else if (Array.isArray(node)) {
        if (/^\d+$/.test(segment)) {
          const index = Number(segment);
          if (index < node.length) next.push((node as unknown[])[index]);
        }
      } else if (isRecord(node) && Object.hasOwn(node, segment)) {
        next.push(node[segment]);
      }
    }
    current = next;
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
