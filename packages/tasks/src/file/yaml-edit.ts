import { locateInDocument, nodePosition, type SourcePosition } from '@llm-service/plugin-kit';
import {
  isMap,
  isNode,
  isPair,
  isScalar,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { canonicalOrder } from './schema.js';

/**
 * Task files are read as YAML 1.2 (the core schema: an unquoted `2026-12-01T09:30:00Z` stays text, which is how the
 * format holds times) and edited through the yaml library's Document API: values are set on the parsed document and
 * the document is printed again, so comments, key order, quoting and the team's own keys survive every rewrite. A
 * plain object is never dumped over a file.
 */
export function parseTaskYaml(text: string): { document: Document.Parsed; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  return { document, lineCounter };
}

/** How a document is printed: never fold a long line the author wrote on one; `[a, b]` stays without padding. */
export function printTaskYaml(document: Document): string {
  return document.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/**
 * Where a field is in the file: its value (or its key, with `pointAtKey`), else the nearest map that holds the path (a
 * missing key is reported where it belongs), else the start of the file. Located on the document as parsed, before
 * any edit.
 */
export const positionOf = locateInDocument;

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => isScalar(pair.key) && pair.key.value === key);
}

/** The map at `path` (`[]` for the top level), or undefined when there is none. */
export function mapAt(document: Document, path: readonly string[]): YAMLMap | undefined {
  const node: unknown = path.length === 0 ? document.contents : document.getIn(path, true);
  return isMap(node) ? node : undefined;
}

/**
 * Sets `key` of the map at `path` to `value`. An existing scalar keeps its node (and so its comments and quoting); a
 * new key goes after the last key that comes before it in the file format's order, so a stamped `assigned_at` lands
 * beside `created_at`, not at the end of the file. A map missing on the way is created.
 */
export function setField(document: Document, path: readonly string[], key: string, value: unknown): void {
  let map = mapAt(document, path);
  if (!map) {
    const parentPath = path.slice(0, -1);
    const name = path[path.length - 1];
    if (name === undefined) throw new Error('the document is not a map');
    // Replaces a scalar standing where the map goes (the old shape's text `result`), keeping its comments.
    setField(document, parentPath, name, document.createNode({}));
    map = mapAt(document, path);
    if (!map) throw new Error(`cannot create ${path.join('.')}`);
  }
  const existing = pairOf(map, key);
  const node = isNode(value) ? value : document.createNode(value);
  if (existing) {
    if (isScalar(existing.value) && isScalar(node)) {
      existing.value.value = node.value;
    } else {
      const previous = existing.value;
      if (isNode(previous) && isNode(node) && previous.commentBefore && !node.commentBefore)
        (node as Node).commentBefore = previous.commentBefore;
      existing.value = node;
    }
    return;
  }
  const order = canonicalOrder[path.join('.')] ?? [];
  const rank = order.indexOf(key);
  let index = map.items.length;
  if (rank !== -1) {
    const before = new Set(order.slice(0, rank));
    const after = new Set(order.slice(rank + 1));
    const lastBefore = map.items.findLastIndex(
      (pair) => isScalar(pair.key) && before.has(String(pair.key.value)),
    );
    if (lastBefore !== -1) index = lastBefore + 1;
    else {
      const firstAfter = map.items.findIndex(
        (pair) => isScalar(pair.key) && after.has(String(pair.key.value)),
      );
      if (firstAfter !== -1) index = firstAfter;
    }
  }
  const pair = document.createPair(key, node);
  const first = map.items[0];
  if (index === 0 && first && isScalar(first.key) && first.key.commentBefore && isScalar(pair.key)) {
    // The comment above the first key is the file's header: it stays at the top.
    pair.key.commentBefore = first.key.commentBefore;
    first.key.commentBefore = undefined;
  }
  map.items.splice(index, 0, pair);
}

/** Removes `key` of the map at `path`; a comment on its own line before it is kept on the next key. */
export function deleteField(document: Document, path: readonly string[], key: string): void {
  const map = mapAt(document, path);
  if (!map) return;
  const index = map.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === key);
  if (index === -1) return;
  const [removed] = map.items.splice(index, 1);
  const comment = isPair(removed) && isScalar(removed.key) ? removed.key.commentBefore : undefined;
  const next = map.items[index];
  if (comment && next && isScalar(next.key))
    next.key.commentBefore = next.key.commentBefore ? `${comment}\n${next.key.commentBefore}` : comment;
}

/** Renames a top-level key in place, keeping its position, value and comments. False when it is not a plain key. */
export function renameKey(document: Document, from: string, to: string): boolean {
  const map = mapAt(document, []);
  const pair = map && pairOf(map, from);
  if (!pair || !isScalar(pair.key) || pairOf(map, to)) return false;
  pair.key.value = to;
  return true;
}

/** The keys of the map at `path` with their positions, for the unknown-key check. */
export function keysAt(
  document: Document,
  lineCounter: LineCounter,
  path: readonly string[],
): { key: string; position: SourcePosition }[] {
  const map = mapAt(document, path);
  if (!map) return [];
  return map.items.flatMap((pair) =>
    isScalar(pair.key) && typeof pair.key.value === 'string'
      ? [{ key: pair.key.value, position: nodePosition(lineCounter, pair.key) ?? { line: 1, column: 1 } }]
      : [],
  );
}
