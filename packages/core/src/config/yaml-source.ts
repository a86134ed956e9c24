import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';

/** A config file parsed with positions kept, so any problem can be reported at its line and column. */
export interface YamlSource {
  /** The file as shown to the user (relative to the working directory when inside it). */
  displayPath: string;
  absolutePath: string;
  text: string;
  document: Document;
  lineCounter: LineCounter;
  /** Whether the file has a syntax problem (duplicate keys included), so that its values are not to be used. */
  hasSyntaxErrors: boolean;
}

export interface SourcePosition {
  line: number;
  column: number;
}

export interface YamlSyntaxProblem extends SourcePosition {
  message: string;
}

export function parseYamlSource(
  absolutePath: string,
  displayPath: string,
  text: string,
): { source: YamlSource; problems: YamlSyntaxProblem[] } {
  const lineCounter = new LineCounter();
  // Unique keys are checked below: the library's own check compares each key with every other one of its mapping,
  // which made a config of 10,000 agents take seconds.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const problems = document.errors.map((error) => {
    const position = lineCounter.linePos(error.pos[0]);
    const firstLine = error.message.split('\n')[0] ?? error.message;
    return { line: position.line, column: position.col, message: `YAML syntax error: ${firstLine}` };
  });
  const source = { displayPath, absolutePath, text, document, lineCounter, hasSyntaxErrors: false };
  problems.push(...keyProblems(source));
  problems.sort((left, right) => left.line - right.line || left.column - right.column);
  source.hasSyntaxErrors = problems.length > 0;
  return { source, problems };
}

/** Keys that cannot be used: one that repeats an earlier key of its mapping, and `__proto__`; one pass over each mapping. */
function keyProblems(source: YamlSource): YamlSyntaxProblem[] {
  const problems: YamlSyntaxProblem[] = [];
  visit(source.document, {
    Map: (_key, map) => {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const value: unknown = pair.key.value;
        const position = () => positionOf(source, pair.key as Node) ?? { line: 1, column: 1 };
        if (seen.has(value))
          problems.push({ ...position(), message: 'YAML syntax error: Map keys must be unique' });
        // Plain-object conversion would turn it into the object's prototype: the entry (an agent named so, say)
        // would vanish silently.
        if (value === '__proto__')
          problems.push({
            ...position(),
            message: "YAML error: '__proto__' cannot be used as a name or key; rename it",
          });
        seen.add(value);
      }
      return undefined;
    },
  });
  return problems;
}

function positionOf(source: YamlSource, node: Node | null | undefined): SourcePosition | undefined {
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const position = source.lineCounter.linePos(offset);
  return { line: position.line, column: position.col };
}

/** Each map's pairs by key, built on the first lookup: a config with a problem in each of N entries is located in O(N). */
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
 * The position of the value at `path`, or of its key when `pointAtKey` is set (unknown keys are best shown at the key).
 * A path that does not exist resolves to the deepest part that does, which is where a missing field belongs.
 */
export function locate(
  source: YamlSource,
  path: readonly PropertyKey[],
  options: { pointAtKey?: boolean } = {},
): SourcePosition {
  let node: unknown = source.document.contents;
  let position = positionOf(source, node as Node) ?? { line: 1, column: 1 };
  for (const [index, segment] of path.entries()) {
    const isLast = index === path.length - 1;
    if (isMap(node)) {
      const pair = pairAt(node, segment);
      if (!pair) return position;
      const keyPosition = positionOf(source, pair.key as Node);
      if (isLast && options.pointAtKey && keyPosition) return keyPosition;
      node = pair.value;
      position = positionOf(source, pair.value as Node) ?? keyPosition ?? position;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return position;
      node = item;
      position = positionOf(source, item as Node) ?? position;
    } else {
      return position;
    }
  }
  return position;
}

/**
 * Converts the document to plain values. The conversion throws on an alias with no anchor before it and on alias
 * expansion past `maxAliasCount` (a "billion laughs" file): both become a problem at the alias, not a crash.
 */
export function toPlainValue(
  source: YamlSource,
): { value: unknown; problem?: undefined } | { value?: undefined; problem: YamlSyntaxProblem } {
  try {
    const value: unknown = source.document.toJS({ maxAliasCount: 100 });
    // An alias inside the node it names (`a: &a [*a]`) makes a value that contains itself: every later step that
    // walks it (interpolation, validation) would recurse without end.
    if (containsItself(value)) return { problem: selfReference(source) };
    return { value };
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    let position: SourcePosition | undefined;
    visit(source.document, {
      Alias: (_key, alias) => {
        if (alias.resolve(source.document) !== undefined) return undefined;
        position = positionOf(source, alias);
        return visit.BREAK;
      },
    });
    return { problem: { ...(position ?? { line: 1, column: 1 }), message: `YAML error: ${reason}` } };
  }
}

/** Whether a plain value (objects and arrays from YAML) contains itself somewhere below. */
function containsItself(value: unknown, ancestors = new Set<object>()): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const children = Array.isArray(value) ? value : Object.values(value);
  const found = children.some((child) => containsItself(child, ancestors));
  ancestors.delete(value);
  return found;
}

/** The problem of an alias that refers to a node containing it, located at that alias. */
function selfReference(source: YamlSource): YamlSyntaxProblem {
  let position: SourcePosition | undefined;
  let name = '';
  visit(source.document, {
    Alias: (_key, alias) => {
      const target = alias.resolve(source.document);
      const [start, end] = target?.range ?? [0, 0];
      const at = alias.range?.[0] ?? -1;
      if (at < start || at >= end) return undefined;
      position = positionOf(source, alias);
      name = alias.source;
      return visit.BREAK;
    },
  });
  return {
    ...(position ?? { line: 1, column: 1 }),
    message: `YAML error: the alias *${name} is inside the node &${name} it refers to, so its value would contain itself`,
  };
}
