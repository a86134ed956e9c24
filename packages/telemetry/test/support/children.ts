import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '../..');
/** The built package: child processes are plain Node, so they run what `pnpm build` produced. */
export const distUrl = pathToFileURL(join(packageDir, 'dist/index.js')).href;

export function assertBuilt(): void {
  if (!existsSync(fileURLToPath(distUrl)))
    throw new Error(`${fileURLToPath(distUrl)} is missing: run \`pnpm build\` before these tests`);
}

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `node --input-type=module -e source`; the source can `import` from `DIST`, replaced by the dist URL. */
/** Children still running: a test that fails before it ends its child must not leave it running (a writer loops). */
const running = new Set<ChildProcess>();

/** Kills every child a test started and did not see end; for afterEach. */
export function stopChildren(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export function startChild(
  source: string,
  env: Record<string, string> = {},
): ChildProcess & { result: Promise<ChildRun>; output: () => string } {
  assertBuilt();
  const child = spawn(process.execPath, ['--input-type=module', '-e', source.replaceAll('DIST', distUrl)], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  child.on('close', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<ChildRun>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return Object.assign(child, { result, output: () => stdout });
}

export async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  }
}
