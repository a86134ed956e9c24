import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../../..');
export const binPath = join(repoRoot, 'packages/cli/dist/bin.js');
export const standInPath = join(repoRoot, 'examples/stand-in-llm/stand-in-llm.mjs');
export const quickStartDir = join(repoRoot, 'examples/quick-start');

export function assertBuilt(): void {
  if (!existsSync(binPath))
    throw new Error(`${binPath} is missing: run \`pnpm build\` before the end-to-end tests`);
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: Uint8Array | string;
  /** Called once the process started, e.g. to send it a signal. */
  onSpawn?: (child: ChildProcess) => void;
}

/** A fresh HOME and XDG directories, so no test reads or writes the developer's own config or trust store. */
export function isolatedHome(): { home: string; env: Record<string, string> } {
  const home = mkdtempSync(join(tmpdir(), 'llm-service-home-'));
  return {
    home,
    env: {
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local/share'),
      XDG_STATE_HOME: join(home, '.local/state'),
      PATH: process.env.PATH ?? '',
      NO_COLOR: '1',
    },
  };
}

export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  assertBuilt();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: (options.env ?? isolatedHome().env) as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolvePromise({ code, signal, stdout: Buffer.concat(stdout), stderr }),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
    options.onSpawn?.(child);
  });
}

export interface ToolSpec {
  binary?: string;
  args?: string[];
  promptVia?: 'stdin' | 'arg' | 'file';
  output?: string;
  models?: string[];
  timeoutS?: number;
  env?: Record<string, string>;
}

/** Writes a config directory whose tools all run the stand-in (or a given binary). */
export function writeConfig(
  dir: string,
  spec: { tools: Record<string, ToolSpec>; agents: string; extraFiles?: Record<string, string> },
): string {
  mkdirSync(dir, { recursive: true });
  const toolEntries = Object.entries(spec.tools).map(([name, tool]) => {
    const promptVia = tool.promptVia ?? 'stdin';
    const defaultArgs =
      promptVia === 'arg'
        ? ['exec', '--model', '{{model}}', '{{prompt}}']
        : promptVia === 'file'
          ? ['exec', '--model', '{{model}}', '--prompt-file', '{{prompt_file}}']
          : ['exec', '--model', '{{model}}', '-'];
    const lines = [
      `  ${name}:`,
      `    adapter: generic-yaml`,
      `    binary: ${JSON.stringify(tool.binary ?? standInPath)}`,
      `    args: ${JSON.stringify(tool.args ?? defaultArgs)}`,
      `    prompt_via: ${promptVia}`,
      `    output: ${tool.output ?? '{ format: text }'}`,
      `    models: ${JSON.stringify(tool.models ?? ['model-a', 'model-b'])}`,
      `    timeout_s: ${tool.timeoutS ?? 30}`,
    ];
    if (tool.env) lines.push(`    env: ${JSON.stringify(tool.env)}`);
    return lines.join('\n');
  });
  writeFileSync(join(dir, 'tools.yaml'), `version: 1\ntools:\n${toolEntries.join('\n')}\n`);
  writeFileSync(join(dir, 'agents.yaml'), `version: 1\nagents:\n${spec.agents}`);
  writeFileSync(
    join(dir, 'models.yaml'),
    [
      'version: 1',
      'models:',
      '  model-a: { input_per_mtok: 3, output_per_mtok: 15 }',
      '  model-b: { input_per_mtok: 1, output_per_mtok: 5 }',
      '  model-c: { input_per_mtok: 0.5, output_per_mtok: 2 }',
      '',
    ].join('\n'),
  );
  for (const [name, content] of Object.entries(spec.extraFiles ?? {}))
    writeFileSync(join(dir, name), content);
  return dir;
}

export function temporaryDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `llm-service-${prefix}-`));
}

/** Processes whose command line contains `marker`: what an ended run must not leave behind. */
export function processesMatching(marker: string): string[] {
  return spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((line) => line.includes(marker) && !line.includes(' ps -eo'));
}

export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolveWait) => setTimeout(resolveWait, 25));
  }
}
