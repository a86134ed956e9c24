import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isolatedHome, quickStartDir, runCli } from './support/cli.js';

/**
 * What `exec` does before its tool starts is what a user waits for on every call (docs/architecture.md, "A lean
 * kernel"). These runs look inside it: a preloaded probe counts the zod schemas the process has built, and lists the
 * Node built-in modules it has loaded, at the moment it starts the tool.
 */

const probe = join(import.meta.dirname, 'support/start-up-probe.cjs');
const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

async function execWithProbe(env: Record<string, string>): Promise<{ schemas: number; builtins: string[] }> {
  const reportPath = join(env.HOME ?? '', `probe-${Date.now()}.json`);
  const run = await runCli(
    ['exec', '--config-dir', quickStartDir, '--agent', 'writer', '--prompt', 'hello'],
    {
      env: { ...env, NODE_OPTIONS: `--require ${probe}`, START_UP_PROBE_REPORT: reportPath },
    },
  );
  expect(run.code, run.stderr).toBe(0);
  expect(existsSync(reportPath), 'the probe saw no tool start').toBe(true);
  return JSON.parse(readFileSync(reportPath, 'utf8')) as { schemas: number; builtins: string[] };
}

describe("exec's start-up", () => {
  it('builds no schema before the tool starts when the configuration comes from the cache', async () => {
    const { home, env } = isolatedHome();
    homes.push(home);
    // The first run validates the configuration (building the schemas it needs) and keeps it.
    const first = await execWithProbe(env);
    expect(first.schemas).toBeGreaterThan(0);
    const second = await execWithProbe(env);
    expect(second.schemas).toBe(0);
    // Modules a run needs only later, or only to ask, stay unloaded: durations use process.hrtime, not perf_hooks'
    // `performance`; readline loads when a budget asks for confirmation.
    expect(second.builtins).toContain('child_process');
    expect(second.builtins).not.toContain('perf_hooks');
    expect(second.builtins).not.toContain('readline');
  });

  it('keeps a code cache per command, written by a run that read its configuration from the cache', async () => {
    const { home, env } = isolatedHome();
    homes.push(home);
    const compileCache = join(home, '.cache/llm-service/compile-cache');
    const caches = () => (existsSync(compileCache) ? readdirSync(compileCache).sort() : []);
    const exec = () =>
      runCli(['exec', '--config-dir', quickStartDir, '--agent', 'writer', '--prompt', 'hello'], { env });
    // The first run validates the configuration: what it compiled (the YAML parser, the schemas) is not kept.
    expect((await exec()).code).toBe(0);
    expect(caches()).toEqual([]);
    expect((await exec()).code).toBe(0);
    expect(caches()).toEqual([expect.stringMatching(/^cli-[\d.]+-exec-v[\d.]+-\w+\.bin$/)]);
    expect((await runCli(['tools', '--config-dir', quickStartDir], { env })).code).toBe(0);
    expect(caches()).toEqual([expect.stringMatching(/-exec-/), expect.stringMatching(/^cli-[\d.]+-tools-v/)]);
  });
});
