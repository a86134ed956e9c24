import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigIssue, PluginContext } from '@llm-service/spec';
import { createKernel } from '@llm-service/core';
import codexPlugin, { codexAgentOptionsSchema, codexToolSchema } from './index.js';

const directories: string[] = [];
afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configDir(adapterOptions: string, tool = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-service-codex-'));
  directories.push(dir);
  writeFileSync(
    join(dir, 'agents.yaml'),
    `version: 1\nagents:\n  backend:\n    preferred_tool: codex\n    adapter_options:\n      codex: ${adapterOptions}\n`,
  );
  writeFileSync(
    join(dir, 'tools.yaml'),
    `version: 1\ntools:\n  codex:\n    adapter: codex\n    binary: codex\n    models: [gpt-5.5]\n${tool}`,
  );
  writeFileSync(
    join(dir, 'models.yaml'),
    'version: 1\nmodels:\n  gpt-5.5: { input_per_mtok: 5, output_per_mtok: 30 }\n',
  );
  return dir;
}

async function boot(dir: string): Promise<{ error?: { issues?: ConfigIssue[] }; adapterOptions?: unknown }> {
  const kernel = createKernel({
    configDir: dir,
    cwd: dir,
    env: {},
    plugins: [codexPlugin],
    logger: { warn() {} },
  });
  try {
    const config = await kernel.config();
    return { adapterOptions: config.agents.backend?.adapter_options.codex };
  } catch (error) {
    return { error: error as { issues?: ConfigIssue[] } };
  } finally {
    await kernel.dispose();
  }
}

describe('adapter-codex in the kernel', () => {
  it('validates adapter_options.codex, with the line of the problem', async () => {
    const { error } = await boot(configDir('{ sandbox: yolo }'));
    expect(error?.issues).toMatchObject([
      { file: 'agents.yaml', line: 6, path: 'agents.backend.adapter_options.codex.sandbox' },
    ]);
  });

  it('validates the codex keys of tools.yaml', async () => {
    const { error } = await boot(configDir('{}', '    retry: { same_tool: maybe }\n'));
    expect(error?.issues?.[0]).toMatchObject({ file: 'tools.yaml', path: 'tools.codex.retry.same_tool' });
  });

  it('loads a codex tool with its options', async () => {
    const { error, adapterOptions } = await boot(
      configDir('{ sandbox: workspace-write, config: { model_reasoning_effort: high } }'),
    );
    expect(error).toBeUndefined();
    expect(adapterOptions).toEqual({
      sandbox: 'workspace-write',
      config: { model_reasoning_effort: 'high' },
    });
  });

  it('checks at load that an agent’s working_directory exists, with the line of the option', async () => {
    const { error } = await boot(configDir('{ working_directory: services/missing }'));
    expect(error?.issues).toMatchObject([
      {
        file: 'agents.yaml',
        path: 'agents.backend.adapter_options.codex.working_directory',
        message: expect.stringContaining("working_directory 'services/missing'") as unknown,
      },
    ]);
  });

  it('contributes its schemas under the adapter id codex and registers the adapter', async () => {
    expect(codexPlugin).toMatchObject({
      name: '@llm-service/adapter-codex',
      version: '0.1.0',
      apiVersion: '^1.8.0',
    });
    expect(codexPlugin.configSchema?.tools?.codex).toBe(codexToolSchema);
    expect(codexPlugin.configSchema?.agentOptions?.codex).toBe(codexAgentOptionsSchema);
    expect(codexPlugin.configSchema?.check).toBeTypeOf('function');
    const added: { id?: string; specificationVersion?: string }[] = [];
    const context = { adapters: { add: (adapter: (typeof added)[number]) => added.push(adapter) } };
    await codexPlugin.register(context as unknown as PluginContext);
    expect(added).toMatchObject([{ id: 'codex', specificationVersion: 'v1' }]);
  });
});
