import {
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Pair,
  type YAMLMap,
} from 'yaml';

/** A place in a file: line and column, both from 1. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Where a node starts, or `undefined` for one without a range (made in code, not parsed). */
export function nodePosition(lineCounter: LineCounter, node: unknown): SourcePosition | undefined {
  const offset = isNode(node) ? node.range?.[0] : undefined;
  if (offset === undefined) return undefined;
  const position = lineCounter.linePos(offset);
  return { line: position.line, column: position.col };
}

/**
 * Each map's pairs by key, built on the first lookup: a file with a problem in each of N entries is located in O(N).
 * Positions are of the text as parsed, so a document is located before it is edited, and an edit does not update this.
 */
const pairsByKey = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairAt(map: YAMLMap, segment: PropertyKey): Pair | undefined {
  let pairs = pairsByKey.get(map);
  if (!pairs) {
    pairs = new Map();
    for (const item of map.items) {
      if (!isPair(item) || !isScalar(item.key)) continue;
      const key = String(item.key.value);
      // The first of duplicated keys, as the problem about the duplicate is reported at the second.
      if (!pairs.has(key)) pairs.set(key, item);
    }
    pairsByKey.set(map, pairs);
  }
  return pairs.get(String(segment));
}

/**
 * The position of the value at `path` in a parsed document, or of its key when `pointAtKey` is set (unknown keys are
 * best shown at the key). A path that does not exist resolves to the deepest part that does, which is where a missing
 * field belongs; an empty document, to the start of the file.
 */
export function locateInDocument(
  document: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  options: { pointAtKey?: boolean } = {},
): SourcePosition {
  let node: unknown = document.contents;
  let position = nodePosition(lineCounter, node) ?? { line: 1, column: 1 };
  for (const [index, segment] of path.entries()) {
    const isLast = index === path.length - 1;
    if (isMap(node)) {
      const pair = pairAt(node, segment);
      if (!pair) return position;
      const keyPosition = nodePosition(lineCounter, pair.key);
      if (isLast && options.pointAtKey && keyPosition) return keyPosition;
      node = pair.value;
      position = nodePosition(lineCounter, pair.value) ?? keyPosition ?? position;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) return position;
      node = item;
      position = nodePosition(lineCounter, item) ?? position;
    } else {
      return position;
    }
  }
  return position;
}

/** `locateInDocument` for a parsed file (a `YamlSource`). */
export function locate(
  source: { document: Document; lineCounter: LineCounter },
  path: readonly PropertyKey[],
  options: { pointAtKey?: boolean } = {},
): SourcePosition {
  return locateInDocument(source.document, source.lineCounter, path, options);
}
