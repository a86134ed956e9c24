import { describe, expect, it } from 'vitest';
import { parseYamlSource } from './parse-yaml-source.js';

const parse = (text: string) => parseYamlSource('/cfg/agents.yaml', 'cfg/agents.yaml', text);

describe('parseYamlSource', () => {
  it('keeps the paths, the text and the positions of a file without problems', () => {
    const { source, problems } = parse('version: 1\nagents: {}\n');
    expect(problems).toEqual([]);
    expect(source).toMatchObject({
      absolutePath: '/cfg/agents.yaml',
      displayPath: 'cfg/agents.yaml',
      text: 'version: 1\nagents: {}\n',
      hasSyntaxErrors: false,
    });
    expect(source.lineCounter.linePos(source.text.indexOf('agents'))).toEqual({ line: 2, col: 1 });
  });

  it("reports a syntax error at its line with the first line of the library's message", () => {
    const { source, problems } = parse('agents:\n  a:\n    preferred_model: claude: opus\n');
    expect(problems).toEqual([
      {
        line: 3,
        column: 22,
        message: 'YAML syntax error: Nested mappings are not allowed in compact mappings',
      },
    ]);
    expect(source.hasSyntaxErrors).toBe(true);
  });

  it('refuses a repeated key at each repetition, in nested maps and maps inside lists too', () => {
    const { source, problems } = parse(
      'tools:\n  a:\n    binary: x\n    binary: y\n    binary: z\nlist:\n  - { k: 1, k: 2 }\n',
    );
    expect(problems).toEqual([
      { line: 4, column: 5, message: 'YAML syntax error: Map keys must be unique' },
      { line: 5, column: 5, message: 'YAML syntax error: Map keys must be unique' },
      { line: 7, column: 13, message: 'YAML syntax error: Map keys must be unique' },
    ]);
    expect(source.hasSyntaxErrors).toBe(true);
  });

  it('refuses `__proto__` as a key, which a plain object would turn into its prototype', () => {
    expect(parse('agents:\n  __proto__: { preferred_tool: a }\n').problems).toEqual([
      { line: 2, column: 3, message: "YAML error: '__proto__' cannot be used as a name or key; rename it" },
    ]);
  });

  it('sorts syntax and key problems together by line and column', () => {
    expect(parse('x: 1\nx: 2\ny: { z: 1\n').problems).toEqual([
      { line: 2, column: 1, message: 'YAML syntax error: Map keys must be unique' },
      {
        line: 4,
        column: 1,
        message:
          'YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }',
      },
    ]);
  });
});
