import { isDeepStrictEqual } from 'node:util';
import { Composer, CST, isMap, isScalar, parseDocument, Parser, type Scalar } from 'yaml';
import { readOptions } from './parse-task.js';

/**
 * The text of a task file with its `priority` set, everything else kept: comments, key order, quoting and layout.
 * Returns undefined when the source is not a YAML mapping (the caller refuses malformed files before this).
 *
 * When the file already has a scalar priority, only that scalar's characters change (an edit of the yaml library's
 * concrete syntax tree), so a reviewer's diff shows one line. Otherwise (no priority yet, or an edit that would
 * change what the file means) it falls back to the Document API, which keeps comments and key order but normalises
 * layout such as indentation and flow-sequence spacing. Every candidate is checked by parsing it again.
 */
export function withPriority(source: string, priority: string): string | undefined {
  const before = readMapping(source);
  if (before === undefined) return undefined;
  const expected = { ...before, priority };
  const isFaithful = (text: string | undefined) =>
    text !== undefined && isDeepStrictEqual(readMapping(text), expected);

  for (const type of [undefined, 'QUOTE_DOUBLE'] as const) {
    const edited = editScalarInPlace(source, priority, type);
    if (isFaithful(edited)) return edited;
  }
  const doc = parseDocument(source);
  doc.set('priority', priority);
  // lineWidth 0: never fold long lines the author wrote on one.
  const rewritten = doc.toString({ lineWidth: 0 });
  return isFaithful(rewritten) ? rewritten : undefined;
}

function readMapping(text: string): Record<string, unknown> | undefined {
  const doc = parseDocument(text, readOptions);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
  return doc.toJS() as Record<string, unknown>;
}

function editScalarInPlace(source: string, value: string, type: Scalar.Type | undefined): string | undefined {
  try {
    const tokens = Array.from(new Parser().parse(source));
    const docs = Array.from(new Composer({ keepSourceTokens: true }).compose(tokens));
    const contents = docs.length === 1 ? docs[0]?.contents : undefined;
    if (!isMap(contents)) return undefined;
    const node = contents.get('priority', true);
    if (!isScalar(node) || !node.srcToken) return undefined;
    CST.setScalarValue(node.srcToken, value, { afterKey: true, ...(type ? { type } : {}) });
    return tokens.map((token) => CST.stringify(token)).join('');
  } catch {
    // The CST edit is an optimisation; anything it cannot handle goes to the Document API.
    return undefined;
  }
}
