import satisfies from 'semver/functions/satisfies.js';
import { describe, expect, it } from 'vitest';
import { PLUGIN_API_VERSION, type PluginDefinition } from '@llm-service/spec';
import { checkApiVersion } from './api-version.js';

const plugin = (apiVersion: string): PluginDefinition => ({
  name: 'p',
  version: '1.0.0',
  apiVersion,
  register: () => undefined,
});

async function verdict(range: string): Promise<'satisfied' | 'unsatisfied' | 'invalid'> {
  try {
    await checkApiVersion(plugin(range));
    return 'satisfied';
  } catch (error) {
    return String(error).includes('invalid apiVersion') ? 'invalid' : 'unsatisfied';
  }
}

describe('checkApiVersion', () => {
  it('judges caret ranges as semver does, around this API version', async () => {
    const [major = 0, minor = 0, patch = 0] = PLUGIN_API_VERSION.split('.').map(Number);
    const numbers = (n: number) => [0, 1, 2, n - 1, n, n + 1, 10, 99].filter((x) => x >= 0);
    const ranges = new Set<string>();
    for (const a of numbers(major))
      for (const b of numbers(minor)) for (const c of numbers(patch)) ranges.add(`^${a}.${b}.${c}`);
    for (const range of ranges) {
      const expected = satisfies(PLUGIN_API_VERSION, range) ? 'satisfied' : 'unsatisfied';
      expect(await verdict(range), range).toBe(expected);
    }
  });

  it('leaves every other form to semver: ranges, wildcards, a leading zero, a zero major', async () => {
    for (const range of ['1.x', '>=1.0.0 <2', '*', `~${PLUGIN_API_VERSION}`, '^0.9.0', '^0.0.1'])
      expect(await verdict(range), range).toBe(
        satisfies(PLUGIN_API_VERSION, range) ? 'satisfied' : 'unsatisfied',
      );
    expect(await verdict('^1.01.0')).toBe('invalid');
    expect(await verdict('latest')).toBe('invalid');
  });

  it('names the plugin and both versions in one line', async () => {
    await expect(checkApiVersion({ ...plugin('^2.0.0'), name: '@acme/future' })).rejects.toThrow(
      `plugin @acme/future: needs plugin API ^2.0.0, but this core provides ${PLUGIN_API_VERSION}`,
    );
  });
});
