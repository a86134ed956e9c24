import { visit, type Document, type LineCounter } from 'yaml';
import { nodePosition, type SourcePosition } from './locate.js';
import type { YamlSource, YamlSyntaxProblem } from './parse-yaml-source.js';

/**
 * Converts the document to plain values. The conversion throws on an alias with no anchor before it and on alias
 * expansion past `maxAliasCount` (a "billion laughs" file): both become a problem at the alias, not a crash.
 */
export function toPlainValue(
  source: Pick<YamlSource, 'document' | 'lineCounter'>,
): { value: unknown; problem?: undefined } | { value?: undefined; problem: YamlSyntaxProblem } {
  const { document, lineCounter } = source;
  try {
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    // An alias inside the node it names (`a: &a [*a]`) makes a value that contains itself: every later step that
    // walks it (interpolation, validation) would recurse without end.
    if (containsItself(value)) return { problem: selfReference(document, lineCounter) };
    return { value };
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    let position: SourcePosition | undefined;
    visit(document, {
      Alias: (_key, alias) => {
        if (alias.resolve(document) !== undefined) return undefined;
        position = nodePosition(lineCounter, alias);
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
function selfReference(document: Document, lineCounter: LineCounter): YamlSyntaxProblem {
  let position: SourcePosition | undefined;
  let name = '';
  visit(document, {
    Alias: (_key, alias) => {
      const target = alias.resolve(document);
      const [start, end] = target?.range ?? [0, 0];
      const at = alias.range?.[0] ?? -1;
      if (at < start || at >= end) return undefined;
      position = nodePosition(lineCounter, alias);
      name = alias.source;
      return visit.BREAK;
    },
  });
  return {
    ...(position ?? { line: 1, column: 1 }),
    message: `YAML error: the alias *${name} is inside the node &${name} it refers to, so its value would contain itself`,
  };
}
