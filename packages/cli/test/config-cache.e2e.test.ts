import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isolatedHome, runCli, temporaryDir, writeConfig } from './support/cli.js';

/**
 * The binary keeps each configuration it validated in the user's cache and runs on it while the files are unchanged:
 * these runs prove a changed file is always validated again, never answered from the cache.
 */

const directories: string[] = [];
afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const { home, env } = isolatedHome();
  const configDir = writeConfig(temporaryDir('config-cache'), {
    tools: { local: { models: ['model-a'] } },
    agents: '  writer: { preferred_tool: local, preferred_model: model-a }\n',
  });
  directories.push(home, configDir);
  const cacheDir = join(home, '.cache/llm-service/config');
  const exec = () =>
    runCli(['exec', '--config-dir', configDir, '--agent', 'writer', '--prompt', 'hello'], { env });
  return { env, configDir, cacheDir, exec };
}

describe('the validated configuration cache', () => {
  it('runs on the kept configuration, and validates a changed file again (an error is never hidden)', async () => {
    const { configDir, cacheDir, exec } = setup();
    const first = await exec();
    expect(first.code).toBe(0);
    expect(readdirSync(cacheDir)).toHaveLength(1);
    const second = await exec();
    expect(second.code).toBe(0);
    expect(second.stdout.toString()).toBe(first.stdout.toString());

    const agents = readFileSync(join(configDir, 'agents.yaml'), 'utf8');
    writeFileSync(
      join(configDir, 'agents.yaml'),
      agents.replace('preferred_tool: local', 'preferred_tool: lokal'),
    );
    const broken = await exec();
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/agents\.yaml:\d+:\d+.*unknown tool 'lokal'/);

    // A file the configuration did not have yet (llm-service.yaml) is read too.
    writeFileSync(join(configDir, 'agents.yaml'), agents);
    writeFileSync(join(configDir, 'llm-service.yaml'), 'version: 1\nnot_a_setting: true\n');
    const unknownKey = await exec();
    expect(unknownKey.code).toBe(2);
    expect(unknownKey.stderr).toContain('not_a_setting');

    rmSync(join(configDir, 'llm-service.yaml'));
    expect((await exec()).code).toBe(0);
  });

  it('keeps no configuration that reads an environment variable', async () => {
    const { env, configDir, cacheDir } = setup();
    writeConfig(configDir, {
      tools: { local: { models: ['model-a'], env: { GREETING: '${GREETING:-hello}' } } },
      agents: '  writer: { preferred_tool: local, preferred_model: model-a }\n',
    });
    const run = await runCli(['exec', '--config-dir', configDir, '--agent', 'writer', '--prompt', 'hello'], {
      env,
    });
    expect(run.code).toBe(0);
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
  });
});
