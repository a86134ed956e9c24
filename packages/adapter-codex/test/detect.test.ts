import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinnedCodexVersion } from '@llm-service/testkit';
import { removeTemporaryDirectories, temporaryDirectory } from '@llm-service/testkit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { parseVersion } from '../src/adapter/detect-codex.js';
import { createCodexAdapter } from '../src/index.js';
import { toolConfig } from './support/helpers.js';
import { codexBinary, skipReason } from './support/real-codex.js';

const adapter = createCodexAdapter();
afterAll(removeTemporaryDirectories);

describe('detecting codex', () => {
  it.skipIf(skipReason !== undefined)(
    'finds the real binary and its version, and no credentials in a fresh home',
    async () => {
      const home = temporaryDirectory('codex-detect-home-');
      const result = await adapter.detect(toolConfig({ binary: codexBinary }), {
        configDir: home,
        env: { PATH: process.env.PATH ?? '', HOME: home },
      });
      expect(result).toMatchObject({
        installed: true,
        path: codexBinary,
        version: pinnedCodexVersion,
        credentials: [],
        problem: 'codex is not logged in: run `codex login` or set OPENAI_API_KEY',
      });
    },
  );

  it.skipIf(skipReason !== undefined)(
    'names the credentials codex would find, never their values',
    async () => {
      const home = temporaryDirectory('codex-detect-home-');
      mkdirSync(join(home, '.codex'));
      writeFileSync(join(home, '.codex', 'auth.json'), '{"OPENAI_API_KEY":"sk-secret"}');
      const result = await adapter.detect(toolConfig({ binary: codexBinary }), {
        configDir: home,
        env: { PATH: process.env.PATH ?? '', HOME: home, CODEX_API_KEY: 'sk-also-secret' },
      });
      expect(result.credentials).toEqual(['CODEX_API_KEY', 'logged-in session']);
      expect(result.problem).toBeUndefined();
      expect(JSON.stringify(result)).not.toContain('secret');
      // CODEX_HOME moves the login file.
      const moved = await adapter.detect(toolConfig({ binary: codexBinary }), {
        configDir: home,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: '/nonexistent',
          CODEX_HOME: join(home, '.codex'),
          OPENAI_API_KEY: 'k',
        },
      });
      expect(moved.credentials).toEqual(['OPENAI_API_KEY', 'logged-in session']);
    },
  );

  it('reports a missing binary with the install hint, and a missing env_required variable', async () => {
    const dir = temporaryDirectory();
    const missing = await adapter.detect(
      toolConfig({ binary: 'no-such-codex', env_required: ['TEAM_KEY'] }),
      {
        configDir: dir,
        env: { PATH: dir, OPENAI_API_KEY: 'k' },
      },
    );
    expect(missing).toMatchObject({ installed: false, credentials: ['OPENAI_API_KEY'] });
    expect(missing.problem).toContain('npm i -g @openai/codex');
  });

  it('reads the version line of a binary that prints one, whatever else it is', async () => {
    const dir = temporaryDirectory();
    const fake = join(dir, 'codex');
    writeFileSync(fake, '#!/bin/sh\necho "codex-cli 9.9.9"\n');
    chmodSync(fake, 0o755);
    const result = await adapter.detect(toolConfig({ binary: fake }), {
      configDir: dir,
      env: { PATH: '/usr/bin:/bin' },
    });
    expect(result).toMatchObject({ installed: true, version: '9.9.9' });
    expect(parseVersion('codex-cli 0.169.0\n')).toBe('0.169.0');
    expect(parseVersion('something else\n')).toBe('something else');
  });
});
