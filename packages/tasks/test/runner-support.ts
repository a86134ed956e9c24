/**
 * Shared by the runner's end-to-end tests: the built CLI as a child process, a project with a config directory whose
 * tools run the fixture LLM (test/fixtures/handoff-llm.mjs) or the stand-in, and task files written on disk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskV1 } from '@llm-service/spec';
import { FileTaskStore } from '../src/store/task-store.js';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
/** The built CLI; LLM_SERVICE_E2E_BIN points the tests at another build of it. */
export const binPath = process.env.LLM_SERVICE_E2E_BIN ?? join(repoRoot, 'packages/cli/dist/bin.js');
export const handoffLlm = join(here, 'fixtures/handoff-llm.mjs');
export const standInPath = join(repoRoot, 'examples/stand-in-llm/stand-in-llm.mjs');

export function assertBuilt(): void {
  if (!existsSync(binPath))
    throw new Error(`${binPath} is missing: run \`pnpm build\` before the end-to-end tests`);
}

import { isolatedEnv } from './support.js';

export { isolatedEnv };

export function temporaryDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `llm-service-runner-${prefix}-`));
}

export interface Project {
  /** The project: context paths and artefacts are relative to it. */
  root: string;
  configDir: string;
  workDir: string;
  dbPath: string;
  /** The fixture's call log (one line per tool call). */
  log: string;
  env: Record<string, string>;
}

export interface ProjectOptions {
  agents?: readonly string[];
  /** The fixture's environment (HANDOFF_*), besides HANDOFF_LOG. */
  toolEnv?: Record<string, string>;
  /** tools.yaml's entry instead of the fixture's. */
  tool?: string;
  models?: string;
  policies?: string;
  /** More of llm-service.yaml's `tasks:` section (YAML lines, indented by two). */
  tasksSection?: string[];
  extraFiles?: Record<string, string>;
}

/**
 * `root/config/` (tools run the fixture with `{{agent}}`, telemetry in `root/telemetry.db`), the work directory
 * `root/work`, every agent on the one tool.
 */
export function createProject(options: ProjectOptions = {}): Project {
  // A checkout may have lost the fixture's executable bit; tools.yaml runs it as a program.
  chmodSync(handoffLlm, 0o755);
  const root = temporaryDir('project');
  const configDir = join(root, 'config');
  const workDir = join(root, 'work');
  const dbPath = join(root, 'telemetry.db');
  const log = join(root, 'calls.log');
  mkdirSync(configDir, { recursive: true });
  const agents = options.agents ?? ['planner', 'architect', 'backend-dev'];
  const toolEnv = { HANDOFF_LOG: log, HANDOFF_PROJECT_DIR: root, ...options.toolEnv };
  const tool =
    options.tool ??
    [
      '  llm:',
      '    adapter: generic-yaml',
      `    binary: ${JSON.stringify(handoffLlm)}`,
      "    args: ['{{agent}}']",
      '    prompt_via: stdin',
      '    output: { format: text }',
      '    models: [model-a]',
      '    timeout_s: 120',
      `    env: ${JSON.stringify(toolEnv)}`,
    ].join('\n');
  writeFileSync(join(configDir, 'tools.yaml'), `version: 1\ntools:\n${tool}\n`);
  writeFileSync(
    join(configDir, 'agents.yaml'),
    `version: 1\nagents:\n${agents.map((agent) => `  ${agent}:\n    preferred_tool: llm\n    preferred_model: model-a\n`).join('')}`,
  );
  writeFileSync(
    join(configDir, 'models.yaml'),
    options.models ?? 'version: 1\nmodels:\n  model-a: { input_per_mtok: 3, output_per_mtok: 15 }\n',
  );
  if (options.policies) writeFileSync(join(configDir, 'policies.yaml'), options.policies);
  writeFileSync(
    join(configDir, 'llm-service.yaml'),
    [
      'version: 1',
      `telemetry: { db_path: ${JSON.stringify(dbPath)} }`,
      'tasks:',
      `  work_dir: ${JSON.stringify(workDir)}`,
      ...(options.tasksSection ?? []),
      '',
    ].join('\n'),
  );
  for (const [name, content] of Object.entries(options.extraFiles ?? {}))
    writeFileSync(join(configDir, name), content);
  return { root, configDir, workDir, dbPath, log, env: isolatedEnv() };
}

/** Writes an assigned task file as a person (or another tool) would: `assigned/<agent>/<id>.yaml`. */
export function writeTask(
  project: Project,
  task: {
    id: string;
    agent: string;
    title: string;
    priority?: string;
    createdAt?: string;
    dependsOn?: string[];
  },
): void {
  const folder = join(project.workDir, 'assigned', task.agent);
  mkdirSync(folder, { recursive: true });
  const createdAt = task.createdAt ?? '2026-12-01T09:00:00Z';
  writeFileSync(
    join(folder, `${task.id}.yaml`),
    [
      `id: ${task.id}`,
      `agent: ${task.agent}`,
      'status: assigned',
      `title: ${JSON.stringify(task.title)}`,
      `priority: ${task.priority ?? 'normal'}`,
      ...(task.dependsOn ? [`depends_on: ${JSON.stringify(task.dependsOn)}`] : []),
      `created_at: ${createdAt}`,
      `assigned_at: ${createdAt}`,
      '',
    ].join('\n'),
  );
}

/**
 * The tasks as the store reads them, without its repairs: `validate` takes no lock and writes nothing, so reading
 * never waits for (or changes) what the runners are doing, nor for a lock a killed runner left.
 */
export async function readTasks(project: Project): Promise<TaskV1[]> {
  const store = new FileTaskStore({ workDir: project.workDir, projectDir: project.root });
  return [...(await store.validate()).tasks];
}

/** The fixture's calls: task id → how many times a tool ran for it. */
export function callsByTask(project: Project): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(project.log)) return counts;
  for (const line of readFileSync(project.log, 'utf8').split('\n').filter(Boolean)) {
    const id = line.split(' ')[0]!;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Every lease file left under `runs/`, as `<task id>/<file>`. */
export function leaseFiles(project: Project): string[] {
  const runs = join(project.workDir, 'runs');
  if (!existsSync(runs)) return [];
  return readdirSync(runs).flatMap((id) =>
    readdirSync(join(runs, id))
      .filter((name) => name.startsWith('lease.'))
      .map((name) => `${id}/${name}`),
  );
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with the project's config directory; `onSpawn` gets the child (to signal it). */
export function runCli(
  project: Project,
  args: readonly string[],
  options: { onSpawn?: (child: ChildProcess) => void; env?: Record<string, string> } = {},
): Promise<CliRun> {
  assertBuilt();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [binPath, ...args, '--config-dir', project.configDir], {
      cwd: project.root,
      env: { ...project.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
    options.onSpawn?.(child);
  });
}

/** The NDJSON lines of `tasks run --json`. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolveWait) => setTimeout(resolveWait, 25));
  }
}

export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls an asynchronous condition (a look at the task files) until it holds; the error names what was awaited. */
export async function eventually(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
}
