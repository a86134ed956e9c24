/** Shared by the dashboard's browser tests: Chromium, the CLI as a child process, a config directory, screenshots. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
/** The built CLI; LLM_SERVICE_E2E_BIN points the tests at another build of it. */
export const binPath = process.env.LLM_SERVICE_E2E_BIN ?? join(repoRoot, 'packages/cli/dist/bin.js');
export const webDistDir = join(repoRoot, 'packages/dashboard/dist/web');
export const screenshotDir = join(repoRoot, '.test-output/dashboard');
export const CHROMIUM = '/usr/bin/chromium';
export const chromiumMissing = !existsSync(CHROMIUM);

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export function temporaryDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `llm-service-dashboard-${prefix}-`));
}

/** A fresh HOME and XDG directories, so nothing reads or writes the developer's own files. */
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

/**
 * A copy of examples/quick-start (with the stand-in beside it, where its tools.yaml looks), plus budgets, a
 * telemetry database of its own (or `dbPath`, shared with another copy) and a task board directory. `delayMs` makes
 * the stand-in answer slowly, so a running invocation can be seen before it completes; `project` names the project
 * its requests are recorded under.
 */
export function quickStartCopy(options: { delayMs?: number; project?: string; dbPath?: string } = {}): {
  configDir: string;
  workDir: string;
  dbPath: string;
} {
  const root = temporaryDir('config');
  const configDir = join(root, 'quick-start');
  cpSync(join(repoRoot, 'examples/quick-start'), configDir, { recursive: true });
  cpSync(join(repoRoot, 'examples/stand-in-llm'), join(root, 'stand-in-llm'), { recursive: true });
  if (options.delayMs) {
    const tools = readFileSync(join(configDir, 'tools.yaml'), 'utf8').replaceAll(
      '    timeout_s: 60',
      `    timeout_s: 60\n    env: { STAND_IN_DELAY_MS: "${options.delayMs}" }`,
    );
    writeFileSync(join(configDir, 'tools.yaml'), tools);
  }
  const dbPath = options.dbPath ?? join(root, 'telemetry.db');
  writeFileSync(
    join(configDir, 'llm-service.yaml'),
    `version: 1\nplugins: []\n${options.project ? `project: ${options.project}\n` : ''}` +
      `telemetry: { db_path: ${JSON.stringify(dbPath)} }\n`,
  );
  writeFileSync(
    join(configDir, 'policies.yaml'),
    [
      'version: 1',
      'budgets:',
      '  - { scope: global, period: daily, limit_usd: 5, mode: soft, alert_at_percent: 80 }',
      '  - { scope: "agent:architect", period: monthly, limit_usd: 50, mode: hard }',
      '',
    ].join('\n'),
  );
  const workDir = join(configDir, 'work/collaboration');
  for (const dir of ['inbox', 'assigned', 'done']) mkdirSync(join(workDir, dir), { recursive: true });
  return { configDir, workDir, dbPath };
}

export interface DashboardProcess {
  child: ChildProcessWithoutNullStreams;
  /** The printed address, with `?token=`. */
  pageUrl: string;
  port: number;
  output(): string;
  /** Sends SIGTERM and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `llm-service dashboard` and resolves with the URL it prints. */
export function startDashboardCli(
  configDir: string,
  env: Record<string, string>,
  options: { port?: number; token: string; args?: readonly string[] },
): Promise<DashboardProcess> {
  const child = spawn(
    process.execPath,
    [
      binPath,
      'dashboard',
      '--config-dir',
      configDir,
      '--port',
      String(options.port ?? 0),
      '--token',
      options.token,
      ...(options.args ?? []),
    ],
    { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolveExit) => child.on('close', (code) => resolveExit(code)));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the dashboard printed no URL in time:\n${stdout}\n${stderr}`));
    }, 30_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^Dashboard: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=\S+)$/m.exec(stdout);
      if (!match?.[1] || !match[2]) return;
      clearTimeout(timer);
      resolveStart({
        child,
        pageUrl: match[1],
        port: Number(match[2]),
        output: () => `${stdout}\n${stderr}`,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`the dashboard exited with ${code} before printing its URL:\n${stdout}\n${stderr}`));
    });
  });
}

/** Runs `llm-service exec` to completion. */
export function runExec(
  configDir: string,
  env: Record<string, string>,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(env, ['exec', '--config-dir', configDir, ...args]);
}

/** Runs the built CLI with `args` to its end. */
export function runCli(
  env: Record<string, string>,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** A screenshot of the whole page, of the viewport (`'viewport'`, e.g. with a dialog open) or of one element. */
export async function screenshot(page: Page, name: string, what?: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  if (what === 'viewport') await page.screenshot({ path });
  else if (what) await page.locator(what).first().screenshot({ path });
  else await page.screenshot({ path, fullPage: true });
  return path;
}

/** Records what the page does that it must not: dialogs (alert), errors, CSP violations. */
export function watchPage(page: Page): { dialogs: string[]; errors: string[] } {
  const seen = { dialogs: [] as string[], errors: [] as string[] };
  page.on('dialog', (dialog) => {
    seen.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => seen.errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      seen.errors.push(message.text());
    }
  });
  return seen;
}

/**
 * Writes a task file in the task store's shape at `key` under `workDir` (`inbox/<id>.yaml`,
 * `assigned/<agent>/<id>.yaml`, `done/<agent>/<id>.yaml`): the id is the file's stem, the agent its folder's (or
 * `architect` in the inbox). `fields` adds or overrides top-level keys; values are written as YAML (JSON is YAML).
 */
export function writeTask(workDir: string, key: string, fields: Record<string, unknown> = {}): void {
  const parts = key.split('/');
  const id = (parts.at(-1) ?? '').replace(/\.yaml$/, '');
  const all: Record<string, unknown> = {
    id,
    agent: parts.length === 3 ? parts[1] : 'architect',
    status: parts[0] === 'inbox' ? 'new' : parts[0] === 'done' ? 'done' : 'assigned',
    title: `Task ${id}`,
    created_at: '2026-12-01T09:00:00Z',
    ...fields,
  };
  const path = join(workDir, key);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(
    path,
    `${Object.entries(all)
      .map(([name, value]) => `${name}: ${JSON.stringify(value)}`)
      .join('\n')}\n`,
  );
}
