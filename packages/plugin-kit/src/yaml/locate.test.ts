import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { locate, locateInDocument } from './locate.js';
import { parseYamlSource } from './parse-yaml-source.js';

const text = [
  'version: 1', //
  'agents:',
  '  architect:',
  '    preferred_tool: claude',
  '    fallback_chain: ["codex:gpt-5", "claude:opus"]',
  '  reviewer: { preferred_tool: codex }',
  'models:',
  '  1.5: { input_per_mtok: 1 }',
  '',
].join('\n');
const { source } = parseYamlSource('/cfg/agents.yaml', 'agents.yaml', text);

describe('locate', () => {
  it('finds the value at a path, through maps and lists, flow or block', () => {
    expect(locate(source, ['agents', 'architect', 'preferred_tool'])).toEqual({ line: 4, column: 21 });
    expect(locate(source, ['agents', 'architect', 'fallback_chain', 1])).toEqual({ line: 5, column: 37 });
    expect(locate(source, ['agents', 'reviewer', 'preferred_tool'])).toEqual({ line: 6, column: 31 });
  });

  it('points at the key when asked, where an unknown key is best shown', () => {
    expect(locate(source, ['agents', 'architect', 'preferred_tool'], { pointAtKey: true })).toEqual({
      line: 4,
      column: 5,
    });
    // Only the last segment: the path's other keys lead to their values.
    expect(locate(source, ['agents', 'reviewer'], { pointAtKey: true })).toEqual({ line: 6, column: 3 });
  });

  it('resolves a path that does not exist to the deepest part that does', () => {
    expect(locate(source, ['agents', 'architect', 'task_types', 'review'])).toEqual({ line: 4, column: 5 });
    expect(locate(source, ['agents', 'architect', 'fallback_chain', 7])).toEqual({ line: 5, column: 21 });
    // A text segment into a list, or any segment into a scalar, stops there.
    expect(locate(source, ['agents', 'architect', 'fallback_chain', 'x'])).toEqual({ line: 5, column: 21 });
    expect(locate(source, ['version', 'x'])).toEqual({ line: 1, column: 10 });
    expect(locate(source, [])).toEqual({ line: 1, column: 1 });
  });

  it('matches a key that is not text by its text, as a path from plain values names it', () => {
    expect(locate(source, ['models', '1.5', 'input_per_mtok'])).toEqual({ line: 8, column: 26 });
  });

  it('finds the first of duplicated keys, as the problem about the duplicate is at the second', () => {
    const duplicated = parseYamlSource('/d.yaml', 'd.yaml', 'a: 1\na: 2\n').source;
    expect(locate(duplicated, ['a'])).toEqual({ line: 1, column: 4 });
  });

  it('places anything in an empty document at the start of the file', () => {
    const empty = parseYamlSource('/e.yaml', 'e.yaml', '').source;
    expect(locate(empty, ['agents', 'x'])).toEqual({ line: 1, column: 1 });
  });
});

describe('locateInDocument', () => {
  it('locates in any parsed document, such as one parsed with the library’s own key check', () => {
    const lineCounter = new LineCounter();
    const document = parseDocument('id: t1\ndepends_on:\n  - a\n  - b\n', {
      lineCounter,
      prettyErrors: true,
      uniqueKeys: true,
    });
    expect(locateInDocument(document, lineCounter, ['depends_on', 1])).toEqual({ line: 4, column: 5 });
    expect(locateInDocument(document, lineCounter, ['id'], { pointAtKey: true })).toEqual({
      line: 1,
      column: 1,
    });
  });
});
