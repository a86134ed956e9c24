import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigIssue } from '@llm-service/spec';
import { createKernel } from '@llm-service/core';
import claudePlugin from './index.js';

const directories: string[] = [];
afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configDir(adapterOptions: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-service-claude-'));
  directories.push(dir);
  writeFileSync(
    join(dir, 'agents.yaml'),
    `version: 1\nagents:\n  architect:\n    preferred_tool: claude\n    adapter_options:\n      claude: ${adapterOptions}\n`,
  );
  writeFileSync(
    join(dir, 'tools.yaml'),
    'version: 1\ntools:\n  claude:\n    adapter: claude\n    binary: claude\n    models: [claude-sonnet-4-5]\n',
  );
  writeFileSync(
    join(dir, 'models.yaml'),
    'version: 1\nmodels:\n  claude-sonnet-4-5: { input_per_mtok: 3, output_per_mtok: 15 }\n',
  );
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

async function bootError(dir: string): Promise<{ code?: string; message: string; issues?: ConfigIssue[] }> {
  const kernel = createKernel({
    configDir: dir,
    cwd: dir,
    env: {},
    plugins: [claudePlugin],
    logger: { warn() {} },
  });
  try {
    await kernel.config();
  } catch (error) {
    return error as { code?: string; message: string; issues?: ConfigIssue[] };
  } finally {
    await kernel.dispose();
  }
  throw new Error('expected the kernel to refuse the config');
}

describe('adapter-claude in the kernel', () => {
  it('validates adapter_options.claude, with the line of the problem', async () => {
    const error = await bootError(configDir('{ allowed_tools: [Read], permission_mode: yolo }'));
    expect(error.issues).toMatchObject([
      { file: 'agents.yaml', line: 6, path: 'agents.architect.adapter_options.claude.permission_mode' },
    ]);
  });

  it('loads a claude tool and registers its adapter', async () => {
    const dir = configDir(
      '{ allowed_tools: [Read, Grep], permission_mode: plan, append_system_prompt_file: p.md }',
      {
        'p.md': 'Be brief.\n',
      },
    );
    const kernel = createKernel({
      configDir: dir,
      cwd: dir,
      env: {},
      plugins: [claudePlugin],
      logger: { warn() {} },
    });
    try {
      const config = await kernel.config();
      expect(config.tools.claude?.retry).toEqual({ max: 2, base_ms: 500, same_tool: false });
      expect((await kernel.adapters()).get('claude')).toMatchObject({
        id: 'claude',
        specificationVersion: 'v1',
      });
    } finally {
      await kernel.dispose();
    }
  });

  it('reports a missing append_system_prompt_file with its line, when the config is loaded', async () => {
    const error = await bootError(configDir('{ append_system_prompt_file: prompts/missing.md }'));
    expect(error.issues).toMatchObject([
      {
        file: 'agents.yaml',
        line: 6,
        path: 'agents.architect.adapter_options.claude.append_system_prompt_file',
      },
    ]);
    expect(error.issues?.[0]?.message).toContain("append_system_prompt_file 'prompts/missing.md'");
    expect(error.issues?.[0]?.message).toContain('does not exist');
  });
});
