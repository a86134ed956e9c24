import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinnedClaudeVersion } from '@llm-service/testkit';
import { removeTemporaryDirectories, temporaryDirectory } from '@llm-service/testkit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createClaudeAdapter } from '../src/index.js';
import { parseVersion } from '../src/adapter/detect-claude.js';
import { toolConfig } from './support/helpers.js';
import { claudeBinary, skipReason } from './support/real-claude.js';

const adapter = createClaudeAdapter();
const secret = 'sk-ant-api03-THIS-MUST-NEVER-BE-PRINTED';
afterAll(removeTemporaryDirectories);

function homeWith(files: Record<string, string> = {}): string {
  const home = temporaryDirectory('adapter-claude-home-');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(home, path, '..'), { recursive: true });
    writeFileSync(join(home, path), content);
  }
  return home;
}

describe('detect() credentials and binary, without running claude', () => {
  it('reports a missing binary as not installed, naming what was looked for', async () => {
    const detected = await adapter.detect(toolConfig({ binary: 'claude-not-here' }), {
      configDir: temporaryDirectory(),
      env: { PATH: '/nonexistent', HOME: homeWith() },
    });
    expect(detected).toMatchObject({ installed: false, credentials: [] });
    expect(detected.problem).toContain("binary 'claude-not-here' not found on PATH");
  });

  it('names the credential variables that are set, never their values', async () => {
    const detected = await adapter.detect(toolConfig({ binary: 'claude-not-here' }), {
      configDir: temporaryDirectory(),
      env: {
        PATH: '/nonexistent',
        HOME: homeWith(),
        ANTHROPIC_API_KEY: secret,
        CLAUDE_CODE_USE_BEDROCK: '1',
      },
    });
    expect(detected.credentials).toEqual(['ANTHROPIC_API_KEY', 'CLAUDE_CODE_USE_BEDROCK']);
    expect(JSON.stringify(detected)).not.toContain(secret);
  });

  it('sees a logged-in session in ~/.claude/.credentials.json or in .claude.json, without printing it', async () => {
    const fromCredentials = await adapter.detect(toolConfig({ binary: 'claude-not-here' }), {
      configDir: temporaryDirectory(),
      env: {
        PATH: '/nonexistent',
        HOME: homeWith({ '.claude/.credentials.json': JSON.stringify({ token: secret }) }),
      },
    });
    expect(fromCredentials.credentials).toEqual(['logged-in session']);
    expect(JSON.stringify(fromCredentials)).not.toContain(secret);

    const configDir = join(homeWith(), 'custom-claude');
    mkdirSync(configDir);
    writeFileSync(
      join(configDir, '.claude.json'),
      JSON.stringify({ oauthAccount: { emailAddress: secret } }),
    );
    const fromAccount = await adapter.detect(toolConfig({ binary: 'claude-not-here' }), {
      configDir: temporaryDirectory(),
      env: { PATH: '/nonexistent', HOME: homeWith(), CLAUDE_CONFIG_DIR: configDir },
    });
    expect(fromAccount.credentials).toEqual(['logged-in session']);
    expect(JSON.stringify(fromAccount)).not.toContain(secret);
  });

  it('names env_required variables that are set, and says which are missing', async () => {
    const detected = await adapter.detect(
      toolConfig({ binary: 'claude-not-here', env_required: ['TEAM_KEY', 'OTHER_KEY'] }),
      { configDir: temporaryDirectory(), env: { PATH: '/nonexistent', HOME: homeWith(), TEAM_KEY: secret } },
    );
    expect(detected.credentials).toEqual(['TEAM_KEY']);
    expect(detected.problem).toContain("binary 'claude-not-here' not found on PATH (install Claude Code");
    expect(JSON.stringify(detected)).not.toContain(secret);
  });

  it('parses the version line', () => {
    expect(parseVersion('2.1.328 (Claude Code)\n')).toBe('2.1.328');
    expect(parseVersion('something else\n')).toBe('something else');
    expect(parseVersion('')).toBeUndefined();
  });
});

describe.skipIf(skipReason !== undefined)('detect() with the real claude', () => {
  it('reports the installed version and, with no credentials anywhere, says how to get some', async () => {
    const detected = await adapter.detect(toolConfig({ binary: claudeBinary }), {
      configDir: temporaryDirectory(),
      env: { PATH: process.env.PATH, HOME: homeWith() },
    });
    expect(detected).toMatchObject({
      installed: true,
      path: claudeBinary,
      version: pinnedClaudeVersion,
      credentials: [],
    });
    expect(detected.problem).toContain('set ANTHROPIC_API_KEY');
  });

  it('finds claude on PATH and an API key in the tool’s own env', async () => {
    const binDir = claudeBinary.slice(0, claudeBinary.lastIndexOf('/'));
    const detected = await adapter.detect(
      toolConfig({ binary: 'claude', env: { ANTHROPIC_API_KEY: secret } }),
      {
        configDir: temporaryDirectory(),
        env: { PATH: `${binDir}:${process.env.PATH ?? ''}`, HOME: homeWith() },
      },
    );
    expect(detected).toMatchObject({
      installed: true,
      version: pinnedClaudeVersion,
      credentials: ['ANTHROPIC_API_KEY'],
    });
    expect(detected.problem).toBeUndefined();
    expect(JSON.stringify(detected)).not.toContain(secret);
  });
});
