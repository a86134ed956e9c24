#!/usr/bin/env node
/**
 * Puts `llm-service` on the PATH from a clone: `npx -y pnpm@10.34.9 run install:global [-- --prefix DIR]`.
 *
 *   node scripts/install-global.mjs [--prefix DIR] [--no-build] [--pack-dir DIR]
 *
 *   --prefix DIR     npm's global prefix to install into (the binary goes to DIR/bin); without it, npm's own
 *                    (`npm prefix --global`, which follows npm_config_prefix and .npmrc)
 *   --no-build       use the packages as built; never build (fails if a build output is missing)
 *   --pack-dir DIR   write the tarballs to DIR and keep them (otherwise they go to a temporary directory)
 *
 * Steps: builds what is out of date (scripts/build-quiet.mjs); packs @llm-service/cli and every workspace package it
 * depends on with `pnpm pack` (which applies publishConfig and replaces `workspace:` ranges by versions); installs all
 * the tarballs with one `npm install --global`, so npm finds each `@llm-service/*` dependency among the packages it is
 * installing; then runs the installed binary's `--version`.
 *
 * Nothing of the `@llm-service` scope comes from a registry (the scope on the public registry is not ours). npm, while
 * it places the tarballs one by one, prefetches the manifests of dependencies not placed yet (`@llm-service/spec` for
 * the adapters, …) from the registry, and would install one from there if no tarball satisfied its range. So the
 * scope's registry is, for this install only, a server in this process that answers 404 to everything: the
 * prefetches fail at once (npm then uses the tarballs, as it does when the public registry has no such package), and a
 * dependency no tarball satisfies fails the install instead of coming from elsewhere. Third-party dependencies come
 * from the configured registry (or npm's cache) as usual.
 *
 * better-sqlite3 (telemetry's SQLite driver) is native: its install script tries a prebuilt binary from GitHub, then
 * compiles with node-gyp (minutes, and it needs Node's headers). The workspace's `pnpm install` already has one for
 * this Node.js, so it is offered to the install script as a local prebuild (prebuild-install's `local_prebuilds`
 * setting, which loads it to check it and falls back to downloading or compiling if it does not load).
 *
 * Output: one line per step and one at the end; on failure one line on stderr (npm's or the build's whole output
 * goes to a log file it names) and exit 1 (2 for a usage error).
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackages, buildPlan } from './build-quiet.mjs';
import {
  buildOutputs,
  childEnvironment,
  packPackage,
  readJson,
  repositoryRoot,
  run,
} from './lib/workspace.mjs';

const NAME = 'install-global';
const CLI = '@llm-service/cli';
const BIN = 'llm-service';
const SCOPE = '@llm-service';
const INSTALL_TIMEOUT_MS = 30 * 60_000;
/** Native dependencies whose built binary the workspace can lend to the install, by the file prebuild-install ships. */
const PREBUILT = { 'better-sqlite3': 'build/Release/better_sqlite3.node' };

class UsageError extends Error {}
/** A failure to report in one line; with `keep`, the temporary directory holding its log file is kept. */
class InstallError extends Error {}

function parseArguments(argv) {
  const options = { prefix: undefined, build: true, packDir: undefined };
  const value = (argument, index) => {
    const inline = argument.indexOf('=');
    if (inline !== -1) return { value: argument.slice(inline + 1), index };
    const next = argv[index + 1];
    if (next === undefined || next.startsWith('--')) throw new UsageError(`${argument} needs a directory`);
    return { value: next, index: index + 1 };
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--no-build') options.build = false;
    else if (argument === '--prefix' || argument.startsWith('--prefix=')) {
      const found = value(argument, index);
      options.prefix = resolve(found.value.replace(/^~(?=$|\/)/, homedir()));
      index = found.index;
    } else if (argument === '--pack-dir' || argument.startsWith('--pack-dir=')) {
      const found = value(argument, index);
      options.packDir = resolve(found.value);
      index = found.index;
    } else if (argument === '--help' || argument === '-h') options.help = true;
    else if (argument === '--') continue;
    else
      throw new UsageError(
        `unknown argument ${argument} (options: --prefix DIR, --no-build, --pack-dir DIR)`,
      );
  }
  return options;
}

/** The CLI and every workspace package it needs (dependencies and peers, transitively), in build order. */
function cliPackages(plan) {
  const byName = new Map(plan.map((pkg) => [pkg.manifest.name, pkg]));
  const needed = new Set();
  const visit = (name) => {
    if (needed.has(name) || !byName.has(name)) return;
    needed.add(name);
    const { manifest } = byName.get(name);
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'])
      for (const dependency of Object.keys(manifest[field] ?? {})) visit(dependency);
  };
  if (!byName.has(CLI)) throw new InstallError(`no ${CLI} in packages/`);
  visit(CLI);
  const packages = plan.filter((pkg) => needed.has(pkg.manifest.name));
  const unpublishable = packages.filter((pkg) => pkg.manifest.private);
  if (unpublishable.length > 0)
    throw new InstallError(
      `${CLI} depends on private ${unpublishable.map((pkg) => pkg.manifest.name).join(', ')}`,
    );
  return packages;
}

async function build(plan, packages, options, workDir) {
  if (!options.build) {
    const missing = packages.flatMap((pkg) => buildOutputs(pkg)).filter((path) => !existsSync(path));
    if (missing.length > 0)
      throw new InstallError(
        `--no-build, but ${missing.length} build outputs are missing (${missing[0]}…): run pnpm build first`,
      );
    console.log('using the packages as built (--no-build)');
    return;
  }
  const stale = plan.filter((pkg) => pkg.stale);
  if (stale.length === 0) {
    console.log('the workspace is built and up to date');
    return;
  }
  console.log(`building ${stale.length} packages…`);
  try {
    await buildPackages(stale);
  } catch (error) {
    if (error.spawnCode === 'ENOENT') throw pnpmMissing();
    const log = join(workDir, 'build.log');
    writeFileSync(log, error.output ?? '');
    throw Object.assign(new InstallError(`${error.message}; its output is in ${log}`), { keep: true });
  }
}

function pnpmMissing() {
  return new InstallError(`pnpm is not on the PATH: run this as \`npx -y pnpm@10.34.9 run install:global\``);
}

/** Packs the packages into `packDir`; checks that each tarball names only versions, and only packed packages. */
async function pack(packages, packDir, workDir) {
  console.log(`packing ${packages.length} packages…`);
  let tarballs;
  try {
    tarballs = await Promise.all(
      packages.map(async (pkg) => {
        const path = await packPackage(pkg.dir, packDir);
        const manifest = JSON.parse(await run('tar', ['-xzOf', path, 'package/package.json'], packDir));
        return { path, manifest };
      }),
    );
  } catch (error) {
    if (error.spawnCode === 'ENOENT' && error.message.startsWith('pnpm')) throw pnpmMissing();
    if (error.output === undefined) throw new InstallError(`packing failed: ${firstLine(error.message)}`);
    const log = join(workDir, 'pack.log');
    writeFileSync(log, `${error.message}\n`);
    throw Object.assign(new InstallError(`packing failed: ${firstLine(error.message)} (output: ${log})`), {
      keep: true,
    });
  }
  const packed = new Set(tarballs.map(({ manifest }) => manifest.name));
  for (const { manifest } of tarballs) {
    if (JSON.stringify(manifest).includes('workspace:'))
      throw new InstallError(`the tarball of ${manifest.name} still has a workspace: range`);
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'])
      for (const name of Object.keys(manifest[field] ?? {}))
        if (name.startsWith(`${SCOPE}/`) && !packed.has(name))
          throw new InstallError(`${manifest.name} depends on ${name}, which is not packed`);
  }
  return tarballs;
}

/**
 * Writes prebuild-install archives of native dependencies the workspace has built into `dir`; returns the settings
 * that point their install scripts at them (none when the workspace has no binary to lend).
 */
async function localPrebuilds(packages, dir) {
  const env = {};
  for (const [name, binary] of Object.entries(PREBUILT)) {
    const owner = packages.find((pkg) => pkg.manifest.dependencies?.[name]);
    if (!owner) continue;
    try {
      const packageDir = dirname(
        createRequire(join(owner.dir, 'package.json')).resolve(`${name}/package.json`),
      );
      if (!existsSync(join(packageDir, binary))) continue;
      const { version } = readJson(join(packageDir, 'package.json'));
      // The name prebuild-install looks for: {name}-v{version}-{runtime}-v{abi}-{platform}{libc}-{arch}.tar.gz
      const archive = `${name}-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
      await run('tar', ['-czf', join(dir, archive), binary], packageDir);
      env[`npm_config_${name.replace(/[^a-zA-Z0-9]/g, '_')}_local_prebuilds`] = dir;
    } catch {
      // Not installed in the workspace, or no tar: the install script downloads or compiles it.
    }
  }
  return env;
}

/** A registry for the scope that has nothing: answers 404 to every request, and counts them. */
async function emptyRegistry() {
  const requests = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end('{"error":"Not found"}');
  });
  await new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolvePromise);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    requests,
    close: () => new Promise((resolvePromise) => server.close(() => resolvePromise())),
  };
}

function npmEnvironment(extra = {}) {
  const env = { ...childEnvironment(), ...extra };
  // The empty registry is on this machine: never through a proxy.
  const noProxy = [env.NO_PROXY ?? env.no_proxy, '127.0.0.1'].filter(Boolean).join(',');
  return { ...env, NO_PROXY: noProxy, no_proxy: noProxy };
}

async function npmPrefix(options, workDir) {
  try {
    const output = await run(
      'npm',
      ['prefix', '--global', ...(options.prefix ? ['--prefix', options.prefix] : [])],
      workDir,
      { env: npmEnvironment(), timeoutMs: 60_000 },
    );
    return output.trim().split('\n').pop().trim();
  } catch (error) {
    if (error.spawnCode === 'ENOENT') throw new InstallError('npm is not on the PATH');
    throw new InstallError(`npm prefix --global failed: ${firstLine(error.output ?? error.message)}`);
  }
}

function firstLine(text) {
  return (
    String(text)
      .split('\n')
      .map((line) => line.trim())
      .find(Boolean) ?? ''
  );
}

/** The one line that says why npm failed, from its output. */
function npmFailure(output, prefix) {
  const lines = output
    .split('\n')
    .filter((line) => line.startsWith('npm error'))
    .map((line) => line.replace(/^npm error\s*/, '').trim())
    .filter(Boolean);
  // npm 10: "'@scope/name@range' is not in this registry"; npm 11: "The requested resource '…' could not be found".
  const wanted = output.match(/'(@llm-service\/[^'\s]+)' (?:is not in this registry|could not be found)/);
  if (wanted)
    return `npm wants ${wanted[1]}, which none of the packed tarballs satisfies (the ${SCOPE} scope is never taken from a registry)`;
  const code = lines.find((line) => line.startsWith('code '))?.slice('code '.length);
  const detail = lines.find(
    (line) =>
      !/^(?:code|errno|syscall|path|dest|signal|command|cwd)\b/.test(line) &&
      !/^(?:A complete log of this run|Log files were not written)/.test(line) &&
      !/^at /.test(line),
  );
  const hint =
    code === 'EACCES' || code === 'EPERM'
      ? `; install where you can write with --prefix (e.g. --prefix ~/.local, then put ~/.local/bin on your PATH)`
      : '';
  return `npm install --global into ${prefix} failed${code ? ` (${code})` : ''}: ${detail ?? 'see the log'}${hint}`;
}

async function install(tarballs, prefix, options, workDir, prebuildEnv) {
  const seeded = Object.keys(prebuildEnv).length > 0;
  console.log(
    `installing ${tarballs.length} packages into ${prefix} with npm…${seeded ? '' : ' (better-sqlite3 may be compiled: a few minutes)'}`,
  );
  const registry = await emptyRegistry();
  const log = join(workDir, 'npm-install.log');
  try {
    const args = [
      'install',
      '--global',
      ...(options.prefix ? ['--prefix', options.prefix] : []),
      `--${SCOPE}:registry=${registry.url}`,
      `--allow-scripts=${Object.keys(PREBUILT).join(',')}`,
      '--no-audit',
      '--no-fund',
      '--no-update-notifier',
      ...tarballs.map(({ path }) => path),
    ];
    try {
      await run('npm', args, workDir, {
        env: npmEnvironment(prebuildEnv),
        timeoutMs: INSTALL_TIMEOUT_MS,
      });
    } catch (error) {
      if (error.spawnCode === 'ENOENT') throw new InstallError('npm is not on the PATH');
      writeFileSync(log, error.output ?? error.message);
      throw Object.assign(
        new InstallError(`${npmFailure(error.output ?? '', prefix)} (npm's output: ${log})`),
        {
          keep: true,
        },
      );
    }
  } finally {
    await registry.close();
  }
}

/** Runs the installed binary's --version; returns the version it prints. */
async function installedVersion(prefix, workDir) {
  const globalRoot =
    process.platform === 'win32' ? join(prefix, 'node_modules') : join(prefix, 'lib', 'node_modules');
  const cliDir = join(globalRoot, CLI);
  if (!existsSync(join(cliDir, 'package.json')))
    throw new InstallError(`npm reported success, but there is no ${join(cliDir, 'package.json')}`);
  const manifest = readJson(join(cliDir, 'package.json'));
  const target = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[BIN];
  try {
    const output = await run(process.execPath, [join(cliDir, target), '--version'], workDir, {
      timeoutMs: 60_000,
    });
    return output.match(/\d+\.\d+\.\d+\S*/)?.[0] ?? output.trim();
  } catch (error) {
    throw new InstallError(`the installed ${BIN} does not run: ${firstLine(error.output ?? error.message)}`);
  }
}

async function main(argv) {
  const options = parseArguments(argv);
  if (options.help) {
    console.log(
      [
        'usage: node scripts/install-global.mjs [--prefix DIR] [--no-build] [--pack-dir DIR]',
        '  --prefix DIR     install into npm global prefix DIR (the binary goes to DIR/bin); default: npm prefix --global',
        '  --no-build       use the packages as built (fails if a build output is missing)',
        '  --pack-dir DIR   write the tarballs to DIR and keep them',
      ].join('\n'),
    );
    return;
  }
  const workDir = mkdtempSync(join(tmpdir(), 'llm-service-install-'));
  let keep = false;
  try {
    const plan = buildPlan(repositoryRoot);
    const packages = cliPackages(plan);
    await build(plan, packages, options, workDir);
    const packDir = options.packDir ?? join(workDir, 'tarballs');
    mkdirSync(packDir, { recursive: true });
    const tarballs = await pack(packages, packDir, workDir);
    const prebuildDir = join(workDir, 'prebuilds');
    mkdirSync(prebuildDir);
    const prebuildEnv = await localPrebuilds(packages, prebuildDir);
    const prefix = await npmPrefix(options, workDir);
    await install(tarballs, prefix, options, workDir, prebuildEnv);
    const version = await installedVersion(prefix, workDir);
    const binDir = process.platform === 'win32' ? prefix : join(prefix, 'bin');
    console.log(`${BIN} ${version} is installed at ${join(binDir, BIN)}; run \`${BIN} --help\``);
    const onPath = (process.env.PATH ?? '').split(delimiter).some((dir) => dir && resolve(dir) === binDir);
    if (!onPath) console.log(`(${binDir} is not on your PATH: add it, e.g. export PATH="${binDir}:$PATH")`);
  } catch (error) {
    keep = error.keep === true;
    throw error;
  } finally {
    if (!keep) rmSync(workDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    const known = error instanceof InstallError || error instanceof UsageError;
    const message = known ? error.message : firstLine(error instanceof Error ? error.message : error);
    console.error(`${NAME}: error: ${message}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  });
}
