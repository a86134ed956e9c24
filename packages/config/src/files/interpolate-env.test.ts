import { describe, expect, it } from 'vitest';
import { interpolateEnv, type InterpolationProblem } from './interpolate-env.js';

function interpolate(value: unknown, env: Record<string, string | undefined>) {
  const problems: InterpolationProblem[] = [];
  return { value: interpolateEnv(value, env, problems), problems };
}

describe('interpolateEnv', () => {
  it('replaces several variables in one value, adjacent or not', () => {
    expect(interpolate('${A}${B}', { A: 'x', B: 'y' }).value).toBe('xy');
    expect(interpolate('${HOME}/bin/${NAME}-cli', { HOME: '/h', NAME: 'codex' }).value).toBe(
      '/h/bin/codex-cli',
    );
  });

  it('treats $$ as a literal dollar, also in front of what looks like a reference', () => {
    expect(interpolate('cost: $$5', {}).value).toBe('cost: $5');
    expect(interpolate('$${A}', { A: 'x' })).toEqual({ value: '${A}', problems: [] });
    expect(interpolate('$$$${A}', { A: 'x' }).value).toBe('$${A}');
    expect(interpolate('$$${A}', { A: 'x' }).value).toBe('$x');
  });

  it('leaves a lone $ and text that is not a reference alone', () => {
    expect(interpolate('$HOME and $ and ${not valid}', { HOME: '/h' })).toEqual({
      value: '$HOME and $ and ${not valid}',
      problems: [],
    });
  });

  it('uses the :- default when the variable is unset or empty, as the shell does', () => {
    expect(interpolate('${A:-fallback}', {}).value).toBe('fallback');
    expect(interpolate('${A:-fallback}', { A: '' }).value).toBe('fallback');
    expect(interpolate('${A:-fallback}', { A: 'set' }).value).toBe('set');
    expect(interpolate('${A:-}', {}).value).toBe('');
    expect(interpolate('${A:-http://localhost:8080/x}', {}).value).toBe('http://localhost:8080/x');
  });

  it('a set but empty variable without a default is empty, not a problem', () => {
    expect(interpolate('[${A}]', { A: '' })).toEqual({ value: '[]', problems: [] });
  });

  it('reports every unset variable without a default with the path of its value', () => {
    const { value, problems } = interpolate(
      { tools: { codex: { binary: '${BIN}', args: ['x', '${ONE}${TWO}'] } }, count: 3, when: null },
      { TWO: '2' },
    );
    expect(problems).toEqual([
      { path: ['tools', 'codex', 'binary'], variable: 'BIN' },
      { path: ['tools', 'codex', 'args', 1], variable: 'ONE' },
    ]);
    expect(value).toEqual({
      tools: { codex: { binary: '${BIN}', args: ['x', '${ONE}2'] } },
      count: 3,
      when: null,
    });
  });

  it('never touches keys', () => {
    expect(interpolate({ '${A}': '${A}' }, { A: 'x' }).value).toEqual({ '${A}': 'x' });
  });
});
