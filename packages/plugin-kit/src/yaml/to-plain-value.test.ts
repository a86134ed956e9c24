import { describe, expect, it } from 'vitest';
import { parseYamlSource } from './parse-yaml-source.js';
import { toPlainValue } from './to-plain-value.js';

const plain = (text: string) => toPlainValue(parseYamlSource('/m.yaml', 'm.yaml', text).source);

describe('toPlainValue', () => {
  it('converts the document to plain values, aliases expanded', () => {
    expect(plain('a: &x [1, 2]\nb: *x\nwhen: 2026-01-01\n')).toEqual({
      value: { a: [1, 2], b: [1, 2], when: '2026-01-01' },
    });
  });

  it('reports an alias with no anchor before it at the alias, instead of throwing', () => {
    expect(plain('version: 1\ntools:\n  a:\n    models: *codex_models\n')).toEqual({
      problem: {
        line: 4,
        column: 13,
        message: 'YAML error: Unresolved alias (the anchor must be set before the alias): codex_models',
      },
    });
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const bomb =
      'x1: &x1 [a, a, a, a, a, a, a, a, a, a]\n' +
      'x2: &x2 [*x1, *x1, *x1, *x1, *x1, *x1, *x1, *x1, *x1, *x1]\n' +
      'x3: [*x2, *x2, *x2, *x2, *x2, *x2, *x2, *x2, *x2, *x2]\n';
    expect(plain(bomb)).toEqual({
      problem: { line: 1, column: 1, message: expect.stringMatching(/^YAML error: Excessive alias count/) },
    });
  });

  it('refuses an alias inside the node it names at the alias, not with a stack overflow later', () => {
    expect(plain('version: 1\nloop: &loop [1, *loop]\n')).toEqual({
      problem: {
        line: 2,
        column: 17,
        message:
          'YAML error: the alias *loop is inside the node &loop it refers to, so its value would contain itself',
      },
    });
  });

  it('takes a value met twice, not inside itself, as it is', () => {
    expect(plain('a: &a { k: 1 }\nb: [*a, *a]\n').value).toEqual({ a: { k: 1 }, b: [{ k: 1 }, { k: 1 }] });
  });
});
