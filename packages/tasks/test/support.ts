/** For the end-to-end tests: the built CLI as a child process, a fresh HOME, and a config directory. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
/** The built CLI; LLM_SERVICE_E2E_BIN points the tests at another build of it. */
export const binPath = process.env.LLM_SERVICE_E2E_BIN ?? join(repoRoot, 'packages/cli/dist/bin.js');
export const standInPath = join(repoRoot, 'examples/stand-in-llm/stand-in-llm.mjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function temporaryDir(prefix: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), `llm-service-tasks-${prefix}-`)));
}

/** A fresh HOME and XDG directories, so nothing reads or writes the developer's own config, trust or telemetry. */
export function isolatedEnv(): Record<string, string> {
  const home = temporaryDir('home');
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_STATE_HOME: join(home, '.local/state'),
    PATH: process.env.PATH ?? '',
    NO_COLOR: '1',
  };
}

export function runCli(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<CliRun> {
  if (!existsSync(binPath))
    throw new Error(`${binPath} is missing: run \`pnpm build\` before the end-to-end tests`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/**
 * A project directory holding a config directory `config/` (agents writer, architect and reviewer on the stand-in
 * tool) and `llm-service.yaml` with `extraSettings` appended.
 */
export function writeProject(extraSettings = ''): { root: string; configDir: string } {
  const root = temporaryDir('project');
  const configDir = join(root, 'config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(
    join(configDir, 'tools.yaml'),
    [
      'version: 1',
      'tools:',
      '  stand-in:',
      '    adapter: generic-yaml',
      `    binary: ${JSON.stringify(standInPath)}`,
      "    args: ['exec', '--model', '{{model}}', '-']",
      '    prompt_via: stdin',
      '    output: { format: text }',
      '    models: [model-a]',
      '    timeout_s: 30',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(configDir, 'agents.yaml'),
    [
      'version: 1',
      'agents:',
      '  writer: { preferred_tool: stand-in, preferred_model: model-a }',
      '  architect: { preferred_tool: stand-in, preferred_model: model-a }',
      '  reviewer: { preferred_tool: stand-in, preferred_model: model-a }',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(configDir, 'models.yaml'),
    'version: 1\nmodels:\n  model-a: { input_per_mtok: 3, output_per_mtok: 15 }\n',
  );
  writeFileSync(
    join(configDir, 'llm-service.yaml'),
    `version: 1\ntelemetry: { db_path: ${JSON.stringify(join(root, 'telemetry.db'))} }\n${extraSettings}`,
  );
  return { root, configDir };
}

/** Writes `text` at `path` (relative to `dir`), creating the folders on the way. */
export function writeAt(dir: string, path: string, text: string | Buffer): string {
  const full = join(dir, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
}
