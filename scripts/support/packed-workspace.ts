/**
 * Helpers for tests that use the workspace as a user outside it would: packed tarballs, installed with npm in a
 * temporary directory that is not inside the repository, and programs run as processes (never through a shell).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STEP_TIMEOUT_MS = 240_000;
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const packagesDir = join(repositoryRoot, 'packages');
export const examplesDir = join(repositoryRoot, 'examples');

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  bin?: string | Record<string, string>;
  exports?: Record<string, unknown>;
  publishConfig?: { exports?: Record<string, unknown> };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** The environment of the children: without what pnpm sets for its own scripts, which npm does not understand. */
export function childEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_UPDATE_NOTIFIER: '1', ...extra };
  for (const key of Object.keys(env)) {
    if (
      /^pnpm_/i.test(key) ||
      /^npm_(?:command|lifecycle_|package_|config_user_agent$|config_verify_deps)/i.test(key)
    ) {
      delete env[key];
    }
  }
  return env;
}

/** Runs a program to completion and returns its stdout; throws with both outputs when it fails. */
export function run(
  command: string,
  args: readonly string[],
  cwd: string,
  extraEnv: Record<string, string> = {},
): string {
  const result = spawnSync(command, args, {
    cwd,
    env: childEnvironment(extraEnv),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: STEP_TIMEOUT_MS,
  });
  if (result.error) throw new Error(`${command} ${args.join(' ')} could not run: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited with ${result.status ?? result.signal}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program without blocking the event loop (a test's own HTTP server must keep answering it), with `env` as its
 * whole environment.
 */
export function runAsync(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
): Promise<ProcessRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

export function isInside(dir: string, path: string): boolean {
  const fromDir = relative(dir, path);
  return fromDir === '' || (!fromDir.startsWith('..') && !isAbsolute(fromDir));
}

/** A new temporary directory, refused if it is inside the workspace (where pnpm's links would resolve anything). */
export function outsideDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (isInside(repositoryRoot, dir)) throw new Error(`${dir} is inside the workspace`);
  return dir;
}

export interface WorkspacePackage {
  dir: string;
  manifest: Manifest;
}

/** The publishable packages of the workspace (private test helpers are never packed). */
export function publishablePackages(): WorkspacePackage[] {
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, 'package.json')))
    .map((entry) => ({
      dir: join(packagesDir, entry.name),
      manifest: readManifest(join(packagesDir, entry.name)),
    }))
    .filter((pkg) => !pkg.manifest.private);
}

function binTargets(manifest: Manifest): string[] {
  if (manifest.bin === undefined) return [];
  return typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin);
}

function exportTargets(exportsField: unknown): string[] {
  if (typeof exportsField === 'string') return [exportsField];
  if (exportsField === null || typeof exportsField !== 'object') return [];
  return Object.values(exportsField).flatMap((value) => exportTargets(value));
}

/**
 * Checks that every file the packages' published manifests point at is built. It does not build: a test must not
 * rebuild (and first delete) `dist` directories that other tests of the same run are reading.
 */
export function assertBuilt(packages: readonly WorkspacePackage[]): void {
  const missing = packages.flatMap((pkg) =>
    [
      ...exportTargets(pkg.manifest.publishConfig?.exports ?? pkg.manifest.exports),
      ...binTargets(pkg.manifest),
    ]
      .map((target) => join(pkg.dir, target.replace(/^\.\//, '')))
      .filter((path) => !existsSync(path)),
  );
  if (missing.length > 0)
    throw new Error(`missing build outputs (run \`pnpm build\` first): ${missing.join(', ')}`);
}

/** Packs workspace packages with pnpm (which applies publishConfig) into `destination`; returns tarballs by name. */
export function packWorkspace(
  packages: readonly WorkspacePackage[],
  destination: string,
): Map<string, string> {
  const tarballs = new Map<string, string>();
  for (const pkg of packages) {
    const before = new Set(readdirSync(destination));
    run('pnpm', ['pack', '--pack-destination', destination], pkg.dir);
    const added = readdirSync(destination).filter((name) => name.endsWith('.tgz') && !before.has(name));
    if (added.length !== 1 || !added[0])
      throw new Error(`pnpm pack of ${pkg.manifest.name} made ${added.join(', ')}`);
    tarballs.set(pkg.manifest.name, join(destination, added[0]));
  }
  return tarballs;
}

/**
 * Builds a package of `examples/` as its author would, outside the workspace: copies its sources, installs its
 * dependencies with npm (core from its packed tarball, the rest from the registry), runs `npm run build`, and packs
 * it with `npm pack`. Returns the tarball's path.
 */
export function buildExample(
  name: string,
  workDir: string,
  localTarballs: readonly string[],
  packDestination: string,
): string {
  const source = join(examplesDir, name);
  const dir = join(workDir, name);
  cpSync(source, dir, {
    recursive: true,
    filter: (path) => !['node_modules', 'dist'].includes(basename(path)),
  });
  mkdirSync(packDestination, { recursive: true });
  // --no-save: the copy's package.json keeps the ranges its author wrote (`^0.1.0`), which the tarballs satisfy.
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund', ...localTarballs], dir);
  run('npm', ['run', 'build'], dir);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', packDestination], dir)) as {
    filename: string;
  }[];
  const filename = packed[0]?.filename;
  if (!filename) throw new Error(`npm pack of ${name} printed no file name`);
  return join(packDestination, filename);
}

interface Lockfile {
  packages: Record<string, { resolved?: string; version?: string; link?: boolean }>;
}

/** Every `@llm-service/*` package in an npm lockfile, with where it was resolved from. */
export function scopedPackagesInLockfile(
  installDir: string,
): { key: string; resolved: string | undefined }[] {
  const lockfile = JSON.parse(readFileSync(join(installDir, 'package-lock.json'), 'utf8')) as Lockfile;
  return Object.entries(lockfile.packages)
    .filter(([key]) => /(?:^|\/)node_modules\/@llm-service\//.test(key))
    .map(([key, entry]) => ({ key, resolved: entry.resolved }));
}

/** A fresh HOME and XDG directories, so a run never reads or writes the developer's own config, trust or cache. */
export function isolatedEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = outsideDir('llm-service-home-');
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_STATE_HOME: join(home, '.local/state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: process.env.PATH ?? '',
    NO_COLOR: '1',
    ...extra,
  };
}

/** The path of an installed package's binary, from its own manifest. */
export function installedBin(installDir: string, packageName: string, binName: string): string {
  const dir = join(installDir, 'node_modules', packageName);
  const manifest = readManifest(dir);
  const target = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[binName];
  if (!target) throw new Error(`${packageName} has no binary ${binName}`);
  return join(dir, target);
}
