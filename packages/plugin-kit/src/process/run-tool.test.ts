import { describe, expect, it } from 'vitest';
import { runTool, type RunToolOptions } from './run-tool.js';

/** A tool that ignores SIGTERM and starts a grandchild that ignores it too, then prints both pids and waits. */
const stubbornTool = `
const { spawn } = require('node:child_process');
process.on('SIGTERM', () => {});
const grandchild = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], {
  stdio: 'ignore',
});
process.stdout.write(JSON.stringify({ tool: process.pid, grandchild: grandchild.pid }) + '\\n');
setInterval(() => {}, 1000);
`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilDead(pids: readonly number[], withinMs: number): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    alive = alive.filter(isAlive);
  }
  return alive;
}

function options(overrides: Partial<RunToolOptions>): RunToolOptions {
  return {
    file: process.execPath,
    args: [],
    cwd: process.cwd(),
    env: process.env,
    timeoutMs: 30_000,
    signal: new AbortController().signal,
    collectStdout: true,
    ...overrides,
  };
}

function pidsFrom(stdout: Buffer): number[] {
  const line = stdout.toString('utf8').trim().split('\n')[0] ?? '{}';
  const pids = JSON.parse(line) as { tool: number; grandchild: number };
  return [pids.tool, pids.grandchild];
}

describe('runTool', () => {
  it('ends a tool that ignores SIGTERM, and its grandchild, with SIGKILL after the grace period on timeout', async () => {
    const result = await runTool(options({ args: ['-e', stubbornTool], timeoutMs: 500, killGraceMs: 300 }));
    expect(result.timedOut).toBe(true);
    expect(result.cancelled).toBe(false);
    expect(result.signal).toBe('SIGKILL');
    expect(await waitUntilDead(pidsFrom(result.stdout), 2_000)).toEqual([]);
  });

  it('ends the whole process group when the request is cancelled', async () => {
    const controller = new AbortController();
    const running = runTool(
      options({
        args: ['-e', stubbornTool],
        signal: controller.signal,
        killGraceMs: 200,
        onStdout: () => controller.abort(),
      }),
    );
    const result = await running;
    expect(result.cancelled).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(await waitUntilDead(pidsFrom(result.stdout), 2_000)).toEqual([]);
  });

  it('passes stdin bytes unchanged and keeps the last bytes of a long stderr', async () => {
    const input = new Uint8Array([0xff, 0x00, 0x41, 0xc3, 0x28, 0x0a]);
    const result = await runTool(
      options({
        args: [
          '-e',
          "process.stdin.pipe(process.stdout); process.stderr.write('x'.repeat(5000) + 'the end')",
        ],
        input,
        maxStderrBytes: 100,
      }),
    );
    expect(result.exitCode).toBe(0);
    expect(new Uint8Array(result.stdout)).toEqual(input);
    expect(result.stderr).toHaveLength(100);
    expect(result.stderr.endsWith('the end')).toBe(true);
  });

  it('reports a program that cannot start as a spawn error, not a crash', async () => {
    const result = await runTool(options({ file: '/nonexistent/llm-tool', args: ['--help'] }));
    expect(result.spawnError?.code).toBe('ENOENT');
    expect(result.exitCode).toBeNull();
  });
});
