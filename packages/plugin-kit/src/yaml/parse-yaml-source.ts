import { isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { nodePosition, type SourcePosition } from './locate.js';

/** A YAML file parsed with positions kept, so any problem can be reported at its line and column. */
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

export interface YamlSyntaxProblem extends SourcePosition {
  message: string;
}

/** Parses a YAML file with positions; its syntax problems (duplicate and `__proto__` keys included) in file order. */
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
  problems.push(...keyProblems(document, lineCounter));
  problems.sort((left, right) => left.line - right.line || left.column - right.column);
  const source = {
    displayPath,
    absolutePath,
    text,
    document,
    lineCounter,
    hasSyntaxErrors: problems.length > 0,
  };
  return { source, problems };
}

/** Keys that cannot be used: one that repeats an earlier key of its mapping, and `__proto__`; one pass over each mapping. */
function keyProblems(document: Document, lineCounter: LineCounter): YamlSyntaxProblem[] {
  const problems: YamlSyntaxProblem[] = [];
  visit(document, {
    Map: (_key, map) => {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const value: unknown = pair.key.value;
        const position = () => nodePosition(lineCounter, pair.key) ?? { line: 1, column: 1 };
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
