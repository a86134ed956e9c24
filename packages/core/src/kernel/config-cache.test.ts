import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z, type DiscoveredConfigDir, type ResolvedConfig } from '@llm-service/spec';
import {
  createScriptedAdapter,
  createTestLogger,
  definePluginForTests,
  writeTestConfig,
} from '@llm-service/testkit/testing';
import type { ConfigCache } from '@llm-service/config';
import { createKernel, type Kernel } from './kernel.js';

/** The kernel's side of `KernelOptions.configCache`: what it offers, what it asks, and that a hit is used as given. */

const directories: string[] = [];
const kernels: Kernel[] = [];
afterEach(async () => {
  for (const kernel of kernels.splice(0)) await kernel.dispose();
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A cache in memory that records every call. */
function memoryCache() {
  const offered: { names: readonly string[]; files: ReadonlyMap<string, string>; config: ResolvedConfig }[] =
    [];
  const asked: { location: DiscoveredConfigDir; names: readonly string[] }[] = [];
  let kept: ResolvedConfig | undefined;
  const cache: ConfigCache = {
    get: (location, names) => {
      asked.push({ location, names });
      return kept;
    },
    set: (_location, names, files, config) => {
      offered.push({ names, files, config });
      kept = config;
    },
  };
  return { cache, offered, asked, keep: (config: ResolvedConfig) => (kept = config) };
}

const plugin = definePluginForTests({
  adapters: [createScriptedAdapter('a', [{ answer: 'one' }, { answer: 'two' }, { answer: 'three' }])],
  configSchema: { files: { 'notes.yaml': z.object({ version: z.literal(1) }).loose() } },
});

function configDir(settings?: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-service-config-cache-'));
  directories.push(dir);
  writeTestConfig(dir, {
    agents: { dev: { preferred_tool: 'a', preferred_model: 'm1' } },
    tools: { a: { adapter: 'a', binary: 'tool-a', models: ['m1'] } },
    models: { m1: { input_per_mtok: 1, output_per_mtok: 2 } },
    ...(settings ? { settings } : {}),
  });
  return dir;
}

function kernelWith(dir: string, cache: ConfigCache): Kernel {
  const kernel = createKernel({
    configDir: dir,
    cwd: dir,
    env: { HOME: dir },
    logger: createTestLogger(),
    plugins: [plugin],
    configCache: cache,
  });
  kernels.push(kernel);
  return kernel;
}

describe('KernelOptions.configCache', () => {
  it('asks for the files every given plugin reads, and offers what it validated with the text of each file read', async () => {
    const dir = configDir();
    const { cache, offered, asked } = memoryCache();
    const config = await kernelWith(dir, cache).config();

    expect(asked).toEqual([
      {
        location: { dir, source: 'flag' },
        names: [
          'agents.yaml',
          'tools.yaml',
          'models.yaml',
          'llm-service.yaml',
          'policies.yaml',
          'notes.yaml',
        ],
      },
    ]);
    expect(offered).toHaveLength(1);
    expect(offered[0]?.names).toEqual(asked[0]?.names);
    expect(offered[0]?.config).toBe(config);
    // Absent files (llm-service.yaml, policies.yaml, notes.yaml here) have no text.
    expect([...(offered[0]?.files.keys() ?? [])].sort()).toEqual([
      'agents.yaml',
      'models.yaml',
      'tools.yaml',
    ]);
    expect(offered[0]?.files.get('agents.yaml')).toContain('preferred_tool: a');
  });

  it('runs a request on the configuration the cache holds, frozen, without validating the files again', async () => {
    const dir = configDir();
    const { cache, offered, keep } = memoryCache();
    // A copy, not frozen: the kernel freezes what the cache gives, whatever the cache.
    keep(structuredClone(await kernelWith(dir, cache).config()));
    // Files the loader would refuse: a hit must not read them (the cache answers for exactly their text).
    writeFileSync(join(dir, 'agents.yaml'), 'agents: [this is not valid\n');

    const kernel = kernelWith(dir, cache);
    const result = await kernel.exec({ agent: 'dev', prompt: 'hi' });
    expect(result).toMatchObject({ tool: 'a', model: 'm1' });
    expect(offered).toHaveLength(1);
    const config = await kernel.config();
    expect(Object.isFrozen(config.agents.dev)).toBe(true);
  });

  it('offers nothing when the configuration names a plugin of its own', async () => {
    const dir = configDir({ plugins: ['./own-plugin.mjs'] });
    writeFileSync(
      join(dir, 'own-plugin.mjs'),
      "export default { name: 'own', version: '1.0.0', apiVersion: '^1.0.0', register() {} };\n",
    );
    const { cache, offered } = memoryCache();
    await kernelWith(dir, cache).config();
    expect(offered).toEqual([]);
  });
});
