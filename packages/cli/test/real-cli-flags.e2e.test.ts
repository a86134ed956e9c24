import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigSources } from '@llm-service/core';
import { isolatedHome, repoRoot, runCli, temporaryDir } from './support/cli.js';

/**
 * The codex and gemini entries init writes (generic YAML adapter) must use flags the real CLIs accept. The CLIs come
 * from npm at pinned versions (`pnpm test:tools` installs them into .tools, outside the workspace).
 */
const toolsBin = join(repoRoot, '.tools/node_modules/.bin');

interface ToolEntry {
  binary: string;
  args: string[];
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

const flagsOf = (args: readonly string[]) => args.filter((arg) => /^--?[A-Za-z]/.test(arg));
const mentions = (help: string, flag: string) =>
  new RegExp(`(^|[\\s,\\[])${flag.replace(/[-]/g, '\\-')}([\\s,=<\\]]|$)`, 'm').test(help);

describe('codex entries written by init', () => {
  const reason = unavailable('codex');
  if (reason) console.warn(`skipped: ${reason}`);
  it.skipIf(reason !== undefined)(
    'use only flags `codex exec --help` lists, and parse as a whole',
    async () => {
      const entries = (await emittedEntries()).get('codex') ?? [];
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) {
        const [subcommand, ...rest] = entry.args;
        expect(subcommand).toBe('exec');
        const help = run('codex', ['exec', '--help']);
        expect(help.status).toBe(0);
        for (const flag of flagsOf(rest))
          expect(mentions(help.stdout, flag), `codex exec ${flag}`).toBe(true);
        // "-" as the prompt reads stdin.
        expect(rest[rest.length - 1]).toBe('-');
        expect(help.stdout).toContain('`-` is used');
        // clap rejects an unknown flag or a missing value before it prints help: the whole argv parses.
        const argv = rest.slice(0, -1).map((arg) => (arg === '{{model}}' ? 'gpt-5.5' : arg));
        const parsed = run('codex', ['exec', ...argv, '--help']);
        expect(parsed.stderr).not.toMatch(/unexpected argument|error:/i);
        expect(parsed.status).toBe(0);
      }
    },
  );
});

describe('gemini entries written by init', () => {
  const reason = unavailable('gemini');
  if (reason) console.warn(`skipped: ${reason}`);
  it.skipIf(reason !== undefined)('use only flags `gemini --help` lists, with accepted values', async () => {
    const entries = (await emittedEntries()).get('gemini') ?? [];
    expect(entries.length).toBe(4);
    const help = run('gemini', ['--help']);
    expect(help.status).toBe(0);
    for (const entry of entries) {
      for (const flag of flagsOf(entry.args))
        expect(mentions(help.stdout, flag), `gemini ${flag}`).toBe(true);
      const format = entry.args[entry.args.indexOf('--output-format') + 1];
      expect(help.stdout).toMatch(new RegExp(`--output-format.*choices:.*"${format}"`));
    }
  });

  it.skipIf(reason !== undefined)(
    'runs headless with the prompt on stdin: without credentials it fails on auth, not on its arguments',
    async () => {
      const [entry] = (await emittedEntries()).get('gemini') ?? [];
      const argv = (entry?.args ?? []).map((arg) => (arg === '{{model}}' ? 'gemini-3-flash-preview' : arg));
      const result = run('gemini', argv, 'Say hello.');
      const output = `${result.stdout}${result.stderr}`;
      expect(output).not.toMatch(/Unknown argument|Not enough arguments|Invalid values/i);
      expect(output).toMatch(/GEMINI_API_KEY|Auth method/);
      expect(result.status).not.toBe(0);
      // --output-format json: even the failure is one JSON document (on stderr), which error_patterns classify as auth.
      expect(() => JSON.parse(result.stderr) as unknown).not.toThrow();
    },
  );
});
