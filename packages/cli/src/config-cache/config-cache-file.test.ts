import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscoveredConfigDir, ResolvedConfig } from '@llm-service/spec';
import { ConfigCacheFile } from './config-cache-file.js';

const directories: string[] = [];
afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const names = ['agents.yaml', 'tools.yaml', 'llm-service.yaml'];
const agents = 'version: 1\nagents:\n  dev: { preferred_tool: a }\n';
const tools = 'version: 1\ntools: {}\n';

/** A home for the cache and a configuration directory in it. */
function setup() {
  const home = mkdtempSync(join(tmpdir(), 'llm-service-config-cache-'));
  directories.push(home);
  const dir = mkdtempSync(join(home, 'config-'));
  const location: DiscoveredConfigDir = { dir, source: 'flag' };
  return { home, dir, location, cache: () => new ConfigCacheFile({ HOME: home }) };
}

function configIn(dir: string, project = 'demo'): ResolvedConfig {
  return {
    dir,
    source: 'flag',
    project,
    agents: {},
    tools: {},
    models: {},
    settings: { version: 1, plugins: [] },
    files: { 'policies.yaml': { version: 1, budgets: [{ scope: 'global', period: 'day', limit_usd: 5 }] } },
  } as unknown as ResolvedConfig;
}

function writeConfig(dir: string, files: Record<string, string>): Map<string, string> {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return new Map(Object.entries(files));
}

describe('ConfigCacheFile', () => {
  it('gives back a configuration to the next run while its files hold the texts it was validated from', () => {
    const { home, dir, location, cache } = setup();
    const files = writeConfig(dir, { 'agents.yaml': agents, 'tools.yaml': tools });
    cache().set(location, names, files, configIn(dir));

    // A new instance stands for the next run: it reads the file the first one wrote.
    expect(cache().get(location, names)).toEqual(configIn(dir));
    const [file] = readdirSync(join(home, '.cache/llm-service/config'));
    expect(statSync(join(home, '.cache/llm-service/config', file ?? '')).mode & 0o777).toBe(0o600);
  });

  it('misses when any file changed, appeared or went, or the configuration was found another way', () => {
    const { dir, location, cache } = setup();
    const files = writeConfig(dir, { 'agents.yaml': agents, 'tools.yaml': tools });
    cache().set(location, names, files, configIn(dir));

    writeFileSync(join(dir, 'agents.yaml'), agents.replace('a }', 'b }'));
    expect(cache().get(location, names)).toBeUndefined();
    writeFileSync(join(dir, 'agents.yaml'), agents);
    expect(cache().get(location, names)).toBeDefined();

    writeFileSync(join(dir, 'llm-service.yaml'), 'version: 1\n');
    expect(cache().get(location, names)).toBeUndefined();
    rmSync(join(dir, 'llm-service.yaml'));
    expect(cache().get(location, names)).toBeDefined();

    expect(cache().get({ dir, source: 'env' }, names)).toBeUndefined();
    rmSync(join(dir, 'tools.yaml'));
    expect(cache().get(location, names)).toBeUndefined();
  });

  it('keeps no configuration that reads an environment variable, nor one JSON cannot hold', () => {
    const { dir, location, cache } = setup();
    const withVariable = writeConfig(dir, {
      'agents.yaml': agents,
      'tools.yaml': 'tools: { key: ${KEY} }\n',
    });
    cache().set(location, names, withVariable, configIn(dir));
    expect(cache().get(location, names)).toBeUndefined();

    const files = writeConfig(dir, { 'agents.yaml': agents, 'tools.yaml': tools });
    const withDate = { ...configIn(dir), settings: { version: 1, plugins: [], when: new Date(0) } };
    cache().set(location, names, files, withDate as unknown as ResolvedConfig);
    expect(cache().get(location, names)).toBeUndefined();
  });

  it('treats a damaged cache file as none', () => {
    const { home, dir, location, cache } = setup();
    const files = writeConfig(dir, { 'agents.yaml': agents, 'tools.yaml': tools });
    cache().set(location, names, files, configIn(dir));
    const cacheDir = join(home, '.cache/llm-service/config');
    for (const file of readdirSync(cacheDir)) writeFileSync(join(cacheDir, file), '{"format":1,"bu');
    expect(cache().get(location, names)).toBeUndefined();
  });
});
