import { describe, expect, it } from 'vitest';
import { parseVersion, probeVersion } from './version-probe.js';

describe('parseVersion', () => {
  it('finds the version at the start of the first line or after a word', () => {
    expect(parseVersion('2.1.328 (Claude Code)\n')).toBe('2.1.328');
    expect(parseVersion('codex-cli 0.169.0\n')).toBe('0.169.0');
    expect(parseVersion('\nv0.61.0-beta.1\n')).toBe('0.61.0-beta.1');
  });

  it('keeps a first line without a version, and has none for an empty output', () => {
    expect(parseVersion('\nsomething else\n')).toBe('something else');
    expect(parseVersion('x'.repeat(300))).toHaveLength(200);
    expect(parseVersion('')).toBeUndefined();
  });
});

describe('probeVersion', () => {
  it('returns the first line a tool prints, and nothing for a failing one', async () => {
    const env = { PATH: process.env.PATH ?? '' };
    await expect(probeVersion(process.execPath, ['--version'], process.cwd(), env)).resolves.toBe(
      process.version,
    );
    await expect(
      probeVersion(process.execPath, ['-e', 'process.exit(3)'], process.cwd(), env),
    ).resolves.toBeUndefined();
  });
});
