import { describe, expect, it } from 'vitest';
import { closestMatch, suggestName } from './did-you-mean.js';

describe('closestMatch', () => {
  it('finds plausible typos, ignoring case', () => {
    expect(closestMatch('cluade', ['claude', 'codex'])).toBe('claude');
    expect(closestMatch('prefered_tool', ['preferred_tool', 'preferred_model'])).toBe('preferred_tool');
    expect(closestMatch('Claude', ['claude'])).toBe('claude');
    expect(closestMatch('codx', ['claude', 'codex'])).toBe('codex');
  });

  it('suggests nothing for names that are not close', () => {
    expect(closestMatch('gemini', ['claude', 'codex'])).toBeUndefined();
    expect(closestMatch('x', ['gh'])).toBeUndefined();
    expect(closestMatch('a', ['b'])).toBeUndefined();
    expect(closestMatch('anything', [])).toBeUndefined();
  });
});

describe('suggestName', () => {
  it('gives the did-you-mean and the known names', () => {
    expect(suggestName('cluade', ['claude', 'codex'], 'tools')).toBe(
      "did you mean 'claude'? Known tools: claude, codex",
    );
    expect(suggestName('gemini', ['claude', 'codex'], 'tools')).toBe('Known tools: claude, codex');
    expect(suggestName('x', [], 'agents')).toBe('No agents are defined');
  });
});
