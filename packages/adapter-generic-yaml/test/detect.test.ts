import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGenericYamlAdapter } from '../src/index.js';
import { fakeCli, fixturesDir, temporaryDirectory, toolConfig } from './helpers.js';

const adapter = createGenericYamlAdapter();
const context = (env: Record<string, string | undefined> = process.env) => ({ configDir: fixturesDir, env });

describe('detect()', () => {
  it('finds the binary, reads the first line of its version, and lists the credentials present', async () => {
    const tool = toolConfig({ env_required: ['FAKE_KEY', 'OTHER_KEY'], env: { OTHER_KEY: 'from tool' } });
    const result = await adapter.detect(tool, context({ PATH: process.env.PATH, FAKE_KEY: 'set' }));
    expect(result).toEqual({
      installed: true,
      path: fakeCli,
      version: 'fake-llm 1.2.3',
      credentials: ['FAKE_KEY', 'OTHER_KEY'],
    });
  });

  it('names missing credentials as the problem, never their values', async () => {
    const tool = toolConfig({ env_required: ['FAKE_KEY', 'OTHER_KEY'] });
    const result = await adapter.detect(tool, context({ PATH: process.env.PATH, OTHER_KEY: 'secret' }));
    expect(result.installed).toBe(true);
    expect(result.credentials).toEqual(['OTHER_KEY']);
    expect(result.problem).toBe('FAKE_KEY is not set');
    expect(JSON.stringify(result)).not.toContain('secret');
  });

  it('uses version_args', async () => {
    const tool = toolConfig({ version_args: ['--version'], env: { FAKE_VERSION: 'custom 9.9' } });
    expect((await adapter.detect(tool, context())).version).toBe('custom 9.9');
    // Any other argv makes the fake print nothing; a version probe must then report no version.
    const silent = toolConfig({ version_args: ['version'] });
    const result = await adapter.detect(silent, context());
    expect(result.installed).toBe(true);
    expect(result.version).toBeUndefined();
  });

  it('reports no version when the probe exits non-zero', async () => {
    const tool = toolConfig({
      version_args: ['--bad'],
      env: { FAKE_OUTPUT: 'usage: fake ...', FAKE_EXIT: '2' },
    });
    expect((await adapter.detect(tool, context())).version).toBeUndefined();
  });

  it('gives up on a version probe that hangs', async () => {
    const directory = temporaryDirectory();
    const script = join(directory, 'slow-tool');
    writeFileSync(script, '#!/usr/bin/env node\nsetTimeout(() => {}, 60000);\n');
    chmodSync(script, 0o755);
    const started = Date.now();
    const result = await adapter.detect(toolConfig({ binary: script }), context());
    expect(result).toMatchObject({ installed: true, path: script });
    expect(result.version).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(8_000);
  }, 15_000);

  it('reports a binary that is not on PATH', async () => {
    const tool = toolConfig({ binary: 'llm-service-no-such-tool', env_required: ['FAKE_KEY'] });
    const result = await adapter.detect(tool, context({ PATH: process.env.PATH }));
    expect(result).toEqual({
      installed: false,
      credentials: [],
      problem: "binary 'llm-service-no-such-tool' not found on PATH",
    });
  });
});
