import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigSources } from '@llm-service/config';
import { isolatedHome, repoRoot, runCli, temporaryDir } from './support/cli.js';

/**
 * The codex and gemini entries init writes and `tools` suggests. The CLIs come from npm at pinned versions (`pnpm
 * test:tools` installs them into .tools, outside the workspace); `tools` suggests only programs it finds on PATH.
 */
const toolsBin = join(repoRoot, '.tools/node_modules/.bin');

interface ToolEntry {
  adapter?: string;
  binary: string;
}

let emitted: Promise<Map<string, ToolEntry[]>> | undefined;
const emittedEntries = () => (emitted ??= readEmittedEntries());

/** The lines `llm-service tools` offers for installed but unconfigured CLIs, parsed as tools.yaml entries. */
async function suggestedEntries(entries: Map<string, ToolEntry[]>): Promise<void> {
  const dir = join(temporaryDir('flags'), 'claude-only');
  expect((await runCli(['init', '--template', 'claude-only', '--dir', dir])).code).toBe(0);
  const { env } = isolatedHome();
  const run = await runCli(['tools', '--config-dir', dir, '--json'], {
    env: { ...env, PATH: `${toolsBin}:${process.env.PATH ?? ''}` },
  });
  const report = JSON.parse(run.stdout.toString()) as { notConfigured: { id: string; yaml: string }[] };
  const suggested = join(temporaryDir('flags'), 'suggested');
  mkdirSync(suggested);
  writeFileSync(
    join(suggested, 'tools.yaml'),
    `tools:\n${report.notConfigured.map((tool) => `  ${tool.yaml}`).join('\n')}\n`,
  );
  const sources = readConfigSources(suggested, 'flag', suggested, []);
  const tools = (sources.files.get('tools.yaml')?.document.toJS() as { tools: Record<string, ToolEntry> })
    .tools;
  for (const tool of Object.values(tools)) {
    if (tool.binary !== 'codex' && tool.binary !== 'gemini') continue;
    entries.set(tool.binary, [...(entries.get(tool.binary) ?? []), tool]);
  }
}

async function readEmittedEntries(): Promise<Map<string, ToolEntry[]>> {
  const entries = new Map<string, ToolEntry[]>();
  // Both what init writes and what `tools` suggests adding.
  await suggestedEntries(entries);
  for (const template of ['quick-start', 'claude-only', 'cost-optimized', 'development']) {
    const dir = join(temporaryDir('flags'), template);
    const init = await runCli(['init', '--template', template, '--dir', dir]);
    expect(init.code).toBe(0);
    const sources = readConfigSources(dir, 'flag', dir, []);
    const tools = (sources.files.get('tools.yaml')?.document.toJS() as { tools: Record<string, ToolEntry> })
      .tools;
    for (const tool of Object.values(tools)) {
      if (tool.binary !== 'codex' && tool.binary !== 'gemini') continue;
      entries.set(tool.binary, [...(entries.get(tool.binary) ?? []), tool]);
    }
  }
  return entries;
}

function run(binary: string, args: string[], input = '') {
  const { env, home } = isolatedHome();
  return spawnSync(join(toolsBin, binary), args, {
    env: { ...env, PATH: `${toolsBin}:${process.env.PATH ?? ''}` },
    cwd: home,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** Why the real binary cannot be checked here, or undefined when it runs. */
function unavailable(binary: string): string | undefined {
  if (!existsSync(join(toolsBin, binary)))
    return `${binary} is not installed in .tools: run \`pnpm test:tools\` to check its flags`;
  const probe = run(binary, ['--version']);
  if (probe.error || probe.status !== 0)
    return `${binary} cannot run here (${probe.error?.message ?? `exit ${probe.status}: ${probe.stderr.slice(0, 200)}`})`;
  return undefined;
}

/**
 * init and `tools` write codex and gemini as their built-in adapters (`adapter: codex`, `adapter: gemini`), not as
 * generic YAML commands: the flags those adapters run each program with are checked against the pinned program's
 * --help by the adapters' own tests (packages/adapter-codex/test/codex-help.test.ts, adapter-gemini's
 * gemini-help.test.ts). Here: every entry init writes or `tools` suggests uses the adapter, and names the binary.
 */
describe('codex and gemini entries written by init and suggested by tools', () => {
  const reason = unavailable('codex') ?? unavailable('gemini');
  if (reason) console.warn(`skipped: ${reason}`);
  it.skipIf(reason !== undefined)('run each program through its adapter', async () => {
    const entries = await emittedEntries();
    for (const binary of ['codex', 'gemini'] as const) {
      const written = entries.get(binary) ?? [];
      expect(written.length, binary).toBeGreaterThan(1);
      for (const entry of written) expect(entry).toMatchObject({ adapter: binary, binary });
    }
  });
});
