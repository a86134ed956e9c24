#!/usr/bin/env node
/**
 * Builds the workspace's packages quietly: one line per package, its output shown only when its build fails.
 *
 *   node scripts/build-quiet.mjs            builds what is out of date (and what depends on it)
 *   node scripts/build-quiet.mjs --force    builds every package
 *
 * Each package runs its own `build` script with pnpm, after the workspace packages it depends on, a few at a time.
 * A package is out of date when a file its manifest points at is missing, or older than anything under its `src/`,
 * its package.json, tsup.config.ts or tsconfig files, the root tsconfig.base.json and pnpm-lock.yaml, or the build
 * outputs of a workspace package it depends on. `pnpm build` still builds everything with pnpm's own output.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  buildOutputs,
  repositoryRoot,
  run,
  topologicalOrder,
  workspaceDependencies,
  workspacePackages,
} from './lib/workspace.mjs';

const BUILD_TIMEOUT_MS = 600_000;
const ROOT_INPUTS = ['tsconfig.base.json', 'pnpm-lock.yaml'];
const PACKAGE_INPUTS = /^(?:package\.json|tsup\.config\.[cm]?[jt]s|tsconfig(?:\.[\w-]+)?\.json)$/;

/** The newest modification time of the files under `dir` (tests excluded: they are not built). */
function newestIn(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestIn(path));
    else if (!/\.test\.[cm]?[jt]sx?$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function newestInput(pkg, rootNewest) {
  let newest = rootNewest;
  for (const entry of readdirSync(pkg.dir, { withFileTypes: true }))
    if (entry.isFile() && PACKAGE_INPUTS.test(entry.name))
      newest = Math.max(newest, statSync(join(pkg.dir, entry.name)).mtimeMs);
  const src = join(pkg.dir, 'src');
  return existsSync(src) ? Math.max(newest, newestIn(src)) : newest;
}

/** When a package's build outputs were written (oldest and newest), or undefined when one is missing. */
function outputTimes(pkg) {
  const outputs = buildOutputs(pkg);
  if (outputs.length === 0 || !outputs.every((path) => existsSync(path))) return undefined;
  const times = outputs.map((path) => statSync(path).mtimeMs);
  return { oldest: Math.min(...times), newest: Math.max(...times) };
}

/**
 * The workspace's packages in build order, each with `stale`: whether it needs building (see the file's comment).
 */
export function buildPlan(root = repositoryRoot) {
  const ordered = topologicalOrder(workspacePackages(root));
  const names = new Set(ordered.map((pkg) => pkg.manifest.name));
  const rootNewest = Math.max(
    0,
    ...ROOT_INPUTS.map((file) => join(root, file))
      .filter((path) => existsSync(path))
      .map((path) => statSync(path).mtimeMs),
  );
  const byName = new Map();
  for (const pkg of ordered) {
    const built = outputTimes(pkg);
    const dependencies = workspaceDependencies(pkg, names).map((name) => byName.get(name));
    const stale =
      built === undefined ||
      newestInput(pkg, rootNewest) > built.oldest ||
      dependencies.some((dependency) => dependency.stale || dependency.built.newest > built.oldest);
    byName.set(pkg.manifest.name, {
      ...pkg,
      dependencies: dependencies.map((dependency) => dependency.manifest.name),
      stale,
      built,
    });
  }
  return [...byName.values()];
}

/**
 * Builds `packages` (a subset of a build plan, in its order): each once the ones it depends on among them are built,
 * `concurrency` at a time. Calls `onBuilt(pkg, seconds)` after each. Rejects on the first failure, once the builds
 * already running have ended, with an error whose `packageName` and `output` say which build failed and what it
 * printed.
 */
export function buildPackages(packages, { onBuilt = () => {}, concurrency = defaultConcurrency() } = {}) {
  const waiting = [...packages];
  const selected = new Set(packages.map((pkg) => pkg.manifest.name));
  const done = new Set();
  let running = 0;
  let failure;
  return new Promise((resolvePromise, reject) => {
    const ready = (pkg) => pkg.dependencies.every((name) => done.has(name) || !selected.has(name));
    const next = () => {
      if (failure) {
        if (running === 0) reject(failure);
        return;
      }
      if (waiting.length === 0 && running === 0) {
        resolvePromise();
        return;
      }
      while (running < concurrency) {
        const index = waiting.findIndex(ready);
        if (index === -1) break;
        const [pkg] = waiting.splice(index, 1);
        running++;
        const started = performance.now();
        run('pnpm', ['run', 'build'], pkg.dir, { timeoutMs: BUILD_TIMEOUT_MS }).then(
          () => {
            running--;
            done.add(pkg.manifest.name);
            onBuilt(pkg, (performance.now() - started) / 1000);
            next();
          },
          (error) => {
            running--;
            failure ??= Object.assign(new Error(`building ${pkg.manifest.name} failed`), {
              packageName: pkg.manifest.name,
              output: error.output ?? error.message,
              spawnCode: error.spawnCode,
            });
            next();
          },
        );
      }
    };
    next();
  });
}

/** As many builds at once as pnpm runs by default, but no more than the machine has cores. */
function defaultConcurrency() {
  return Math.max(1, Math.min(4, availableParallelism()));
}

async function main(argv) {
  const force = argv.includes('--force');
  const unknown = argv.filter((argument) => argument !== '--force');
  if (unknown.length > 0) {
    console.error(`build-quiet: unknown argument ${unknown[0]} (the only option is --force)`);
    return 2;
  }
  const plan = buildPlan();
  const toBuild = force ? plan : plan.filter((pkg) => pkg.stale);
  if (toBuild.length === 0) {
    console.log(`all ${plan.length} packages are built and up to date`);
    return 0;
  }
  const started = performance.now();
  console.log(`building ${toBuild.length} of ${plan.length} packages…`);
  try {
    await buildPackages(toBuild, {
      onBuilt: (pkg, seconds) => console.log(`  built ${pkg.manifest.name} (${seconds.toFixed(1)} s)`),
    });
  } catch (error) {
    if (error.spawnCode === 'ENOENT') {
      console.error(
        'build-quiet: pnpm is not on the PATH (run it through pnpm: `npx -y pnpm@10.34.9 run demo`)',
      );
      return 1;
    }
    process.stderr.write(`${error.output?.trimEnd() ?? ''}\n`);
    console.error(`build-quiet: ${error.message} (its output is above)`);
    return 1;
  }
  console.log(`built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(`build-quiet: ${error instanceof Error ? error.message : error}`);
      process.exitCode = 1;
    },
  );
}
