import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coreToolShape, z, type ToolConfig } from '@llm-service/spec';
import { credentialNames, detectInstalledTool } from './detect-installed-tool.js';

const toolSchema = z.object(coreToolShape);
const toolConfig = (fields: Record<string, unknown>): ToolConfig =>
  toolSchema.parse({ binary: 'tool', models: ['m'], ...fields });

describe('credentialNames', () => {
  it('lists the set variables, then the set env_required, then the others, each once', () => {
    const tool = toolConfig({ env_required: ['EXTRA', 'KEY_A', 'UNSET'] });
    const env = { KEY_A: 'a', KEY_B: '', EXTRA: 'x' };
    expect(credentialNames(tool, env, ['KEY_B', 'KEY_A'], ['logged-in session'])).toEqual([
      'KEY_A',
      'EXTRA',
      'logged-in session',
    ]);
  });
});

describe('detectInstalledTool', () => {
  const configDir = mkdtempSync(join(tmpdir(), 'detect-installed-'));
  const script = join(configDir, 'fake-tool');
  writeFileSync(script, '#!/bin/sh\necho "fake-tool 1.2.3"\n', { mode: 0o755 });

  it('says how to install a binary that is not on PATH', async () => {
    const result = await detectInstalledTool(
      toolConfig({ binary: 'no-such-tool-here' }),
      { configDir, env: { PATH: '/nonexistent' } },
      { credentials: ['KEY'], installHint: 'npm i -g no-such-tool' },
    );
    expect(result).toEqual({
      installed: false,
      credentials: ['KEY'],
      problem: "binary 'no-such-tool-here' not found on PATH (npm i -g no-such-tool)",
    });
  });

  it('probes the version, and names unset env_required before the adapter problem', async () => {
    const tool = toolConfig({ binary: script, env_required: ['NEEDED'] });
    const env = { PATH: process.env.PATH ?? '' };
    const found = await detectInstalledTool(
      tool,
      { configDir, env },
      { credentials: [], problem: 'no login' },
    );
    expect(found).toEqual({
      installed: true,
      path: script,
      version: 'fake-tool 1.2.3',
      credentials: [],
      problem: 'NEEDED is not set',
    });
    const parsed = await detectInstalledTool(
      toolConfig({ binary: script, cwd: 'missing-dir' }),
      { configDir, env },
      { credentials: [], problem: 'no login', parseVersion: (line) => line.split(' ')[1] },
    );
    expect(parsed).toMatchObject({ installed: true, version: '1.2.3', problem: 'no login' });
  });
});
