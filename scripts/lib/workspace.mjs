/**
 * What the repository's scripts share: the workspace's packages, their order and their build outputs, running a
 * program with its output captured, and packing a package with pnpm. Plain Node (no dependencies), so a script that
 * uses it runs before anything is built.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SOURCE_CONDITION = '@llm-service/source';
const STEP_TIMEOUT_MS = 600_000;

/** The environment of the children: without what pnpm or npm set for the script running this one. */
export function childEnvironment() {
  const env = { ...process.env, NO_UPDATE_NOTIFIER: '1', CI: process.env.CI ?? '1' };
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

/**
 * Runs a command, capturing its output (stdout and stderr together); rejects with that output when it fails. The
 * error also carries `output` and `spawnCode` (ENOENT when the program is not on the PATH).
 */
export function run(command, args, cwd, options = {}) {
  const { env = childEnvironment(), timeoutMs = STEP_TIMEOUT_MS } = options;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(
        Object.assign(new Error(`${command} ${args.join(' ')} could not run: ${error.message}`), {
          output,
          spawnCode: error.code,
        }),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(output);
      else
        reject(
          Object.assign(
            new Error(`${command} ${args.join(' ')} (in ${cwd}) exited with ${code ?? signal}\n${output}`),
            { output },
          ),
        );
    });
  });
}

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The packages under `packages/`, with their directories and manifests, sorted by name. */
export function workspacePackages(root = repositoryRoot) {
  const packagesDir = join(root, 'packages');
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, 'package.json')))
    .map((entry) => ({
      dir: join(packagesDir, entry.name),
      manifest: readJson(join(packagesDir, entry.name, 'package.json')),
    }))
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

const DEPENDENCY_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'];

/**
 * The names of the workspace packages `pkg` depends on; with `dev`, its devDependencies too (pnpm orders a recursive
 * run by all of them).
 */
export function workspaceDependencies(pkg, names, { dev = true } = {}) {
  const fields = dev ? [...DEPENDENCY_FIELDS, 'devDependencies'] : DEPENDENCY_FIELDS;
  const found = new Set();
  for (const field of fields)
    for (const name of Object.keys(pkg.manifest[field] ?? {})) if (names.has(name)) found.add(name);
  return [...found].sort();
}

/**
 * The packages in build order: each after the workspace packages it depends on (devDependencies included, as pnpm
 * does). A cycle is an error.
 */
export function topologicalOrder(packages) {
  const byName = new Map(packages.map((pkg) => [pkg.manifest.name, pkg]));
  const names = new Set(byName.keys());
  const ordered = [];
  const state = new Map();
  const visit = (pkg, trail) => {
    const name = pkg.manifest.name;
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`dependency cycle: ${[...trail, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const dependency of workspaceDependencies(pkg, names))
      visit(byName.get(dependency), [...trail, name]);
    state.set(name, 'done');
    ordered.push(pkg);
  };
  for (const pkg of packages) visit(pkg, []);
  return ordered;
}

function exportTargets(value) {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value)
    .filter(([key]) => key !== SOURCE_CONDITION)
    .flatMap(([, item]) => exportTargets(item));
}

/** The built files a package's published manifest points at (its exports and binaries), as absolute paths. */
export function buildOutputs(pkg) {
  const { manifest } = pkg;
  const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
  return [...new Set([...exportTargets(manifest.publishConfig?.exports ?? manifest.exports), ...bins])]
    .filter((target) => !/(?:^|\/)package\.json$/.test(target) && !target.includes('*'))
    .map((target) => join(pkg.dir, target));
}

/** Packs a package as pnpm publishes it (publishConfig applied, `workspace:` ranges replaced); returns the tarball. */
export async function packPackage(dir, destination) {
  const output = await run('pnpm', ['pack', '--pack-destination', destination, '--json'], dir);
  return JSON.parse(output.slice(output.indexOf('{'))).filename;
}
