import { describe, expect, it } from 'vitest';
import { isIgnored, keyOf, pathOfKey } from './paths.js';

describe('task paths', () => {
  it('shows YAML files only, and nothing under a dot', () => {
    expect(isIgnored('inbox/t.yaml', true)).toBe(false);
    expect(isIgnored('done/a/t.YML', true)).toBe(false);
    expect(isIgnored('inbox', false)).toBe(false);
    for (const hidden of [
      'inbox/.t.yaml',
      '.git/t.yaml',
      'inbox/.t.yaml.1234.tmp',
      'inbox/t.yaml~',
      'inbox/t.yaml.swp',
    ]) {
      expect(isIgnored(hidden, true), hidden).toBe(true);
    }
    expect(isIgnored('.git', false)).toBe(true);
  });

  it('keys are relative paths with / separators', () => {
    expect(keyOf('/work', '/work/inbox/t.yaml')).toBe('inbox/t.yaml');
    expect(keyOf('/work', '/work')).toBeUndefined();
    expect(keyOf('/work', '/elsewhere/t.yaml')).toBeUndefined();
  });

  it('refuses keys that could leave the work directory', () => {
    expect(pathOfKey('/work', 'inbox/t.yaml')).toBe('/work/inbox/t.yaml');
    for (const key of [
      '../x.yaml',
      'inbox/../../x.yaml',
      '/etc/passwd',
      '',
      'inbox//t.yaml',
      './t.yaml',
      'a\\b.yaml',
    ]) {
      expect(pathOfKey('/work', key), key).toBeUndefined();
    }
  });
});
