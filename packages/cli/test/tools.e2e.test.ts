import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedHome, runCli, temporaryDir } from './support/cli.js';

/** A directory of stand-in CLIs that answer `--version` like the real ones. */
function fakeBin(versions: Record<string, string>): string {
  const dir = join(temporaryDir('bin'), 'bin');
  mkdirSync(dir);
  for (const [name, version] of Object.entries(versions)) {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\necho "${version}"\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}

interface ToolsJson {
  installed: { id: string; path: string; version: string | null }[];
  notFound: { id: string; install: string }[];
  apiKeys: string[];
  config: { dir: string; problem: string | null };
  configured: { id: string; installed: boolean; problem: string | null }[];
  notConfigured: { id: string; yaml: string }[];
}

async function setup() {
  const { env } = isolatedHome();
  const bin = fakeBin({ codex: 'codex-cli 0.169.0', ollama: 'ollama version is 0.12.0' });
  const dir = join(temporaryDir('tools'), 'config');
  expect((await runCli(['init', '--template', 'quick-start', '--dir', dir], { env })).code).toBe(0);
  return {
    dir,
    env: { ...env, PATH: `${bin}:/usr/bin:/bin`, OPENAI_API_KEY: 'sk-very-secret-value', GEMINI_API_KEY: '' },
  };
}

describe('llm-service tools', () => {
  it('reports installed CLIs with versions and paths, key names, missing and unconfigured tools (--json)', async () => {
    const { dir, env } = await setup();
    const run = await runCli(['tools', '--config-dir', dir, '--json'], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).not.toContain('sk-very-secret-value');
    const report = JSON.parse(run.stdout.toString()) as ToolsJson;
    expect(report.installed.map((cli) => [cli.id, cli.version])).toEqual([
      ['codex', 'codex-cli 0.169.0'],
      ['ollama', 'ollama version is 0.12.0'],
    ]);
    expect(report.installed[0]?.path).toMatch(/\/bin\/codex$/);
    expect(report.notFound.map((cli) => cli.id)).toEqual([
      'claude',
      'gemini',
      'aider',
      'cursor-agent',
      'qwen',
    ]);
    // An empty variable is not a key.
    expect(report.apiKeys).toEqual(['OPENAI_API_KEY']);
    expect(report.config.problem).toBeNull();
    expect(report.configured.map((tool) => [tool.id, tool.installed])).toEqual([
      ['claude', false],
      ['codex', true],
      ['gemini', false],
    ]);
    expect(report.notConfigured).toEqual([
      { id: 'ollama', yaml: expect.stringMatching(/^ollama: \{ adapter: openai, base_url: /) },
    ]);
  });

  it('prints the same as text, with the YAML line to add', async () => {
    const { dir, env } = await setup();
    const run = await runCli(['tools', '--config-dir', dir], { env });
    expect(run.code).toBe(0);
    const text = run.stdout.toString();
    expect(text).toMatch(/^codex +installed +codex-cli 0\.169\.0 +\/\S+\/codex$/m);
    expect(text).toMatch(/^aider +not found +install: /m);
    expect(text).toContain('OPENAI_API_KEY');
    expect(text).toMatch(/missing: claude, gemini/);
    expect(text).toMatch(/^ {2}ollama: \{ adapter: openai, base_url: 'http:\/\/127\.0\.0\.1:11434\/v1'/m);
    // Off a terminal: no colours, no box drawing.
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/\u001b\[|[┌─│]/);
  });

  it('still lists CLIs and keys when there is no config, and says how to write one', async () => {
    const { env } = await setup();
    const run = await runCli(['tools', '--config-dir', join(temporaryDir('none'), 'missing')], { env });
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toContain('codex-cli 0.169.0');
    expect(run.stdout.toString()).toMatch(
      /config not loaded: no config directory \S+missing \(given by --config-dir\)/,
    );
    expect(run.stdout.toString()).toContain('llm-service init');
  });
});
