#!/usr/bin/env node
/**
 * Release dry run: what `changeset version` + `changeset publish` would ship, without publishing anything.
 *
 * In a temporary copy of the repository (`changeset version` rewrites package.json files, changelogs and deletes
 * changesets, so never in the working tree) it installs with the frozen lockfile, runs `changeset version`,
 * re-checks the lockfile, builds, packs every non-private package with `pnpm pack` (which applies
 * `publishConfig` and replaces `workspace:` ranges) and checks each tarball with publint (warnings fail) and with
 * our own rules: `types` first in every export condition object, every file the manifest points at is in the
 * tarball, no `@llm-service/source` condition, no `workspace:` range, no sources or tests, the versioned
 * version, and internal dependency ranges that the released versions satisfy.
 *
 *   node scripts/release-dry-run.mjs                 copy of the working tree (tracked and untracked files that
 *                                                    git does not ignore, so uncommitted work is included)
 *   node scripts/release-dry-run.mjs --source head   a `git clone` of the committed HEAD only
 *   --keep                                           keep the temporary directory and print its path
 *
 * Network: only the npm registry, and only for packages missing from the local pnpm store (`--prefer-offline`).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { packPackage, repositoryRoot, run, SOURCE_CONDITION, workspacePackages } from './lib/workspace.mjs';

// semver is a dependency of the config package, not of the root.
const semver = createRequire(join(repositoryRoot, 'packages', 'config', 'package.json'))('semver');

function parseArguments(argv) {
  const options = { source: 'worktree', keep: false };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--keep') options.keep = true;
    else if (argument === '--source') options.source = argv[++index];
    else throw new Error(`unknown argument: ${argument}`);
  }
  if (!['worktree', 'head'].includes(options.source)) throw new Error('--source is worktree or head');
  return options;
}

const timings = [];
async function step(name, action) {
  const started = performance.now();
  process.stdout.write(`• ${name}… `);
  const result = await action();
  const seconds = (performance.now() - started) / 1000;
  timings.push({ name, seconds });
  console.log(`${seconds.toFixed(1)} s`);
  return result;
}

function gitLines(args) {
  const result = spawnSync('git', args, {
    cwd: repositoryRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.split('\0').filter(Boolean);
}

/** Copies what git would see: tracked and untracked files that are not ignored (no node_modules, no dist). */
function copyWorkingTree(destination) {
  const files = gitLines(['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  for (const file of new Set(files)) {
    const from = join(repositoryRoot, file);
    if (!existsSync(from) || statSync(from).isDirectory()) continue; // deleted, or a submodule
    mkdirSync(dirname(join(destination, file)), { recursive: true });
    cpSync(from, join(destination, file));
  }
  return files.length;
}

/** Every target of an export map, with the trail of keys that leads to it, and every conditions object. */
function walkExports(value, trail = [], found = { targets: [], objects: [] }) {
  if (typeof value === 'string') found.targets.push({ trail: trail.join(' > ') || '.', target: value });
  else if (Array.isArray(value))
    value.forEach((item, index) => walkExports(item, [...trail, `[${index}]`], found));
  else if (value !== null && typeof value === 'object') {
    if (!Object.keys(value).some((key) => key.startsWith('.')))
      found.objects.push({ trail, keys: Object.keys(value) });
    for (const [key, item] of Object.entries(value)) walkExports(item, [...trail, key], found);
  }
  return found;
}

const packagePath = (target) => target.replace(/^\.\//, '');

/**
 * Our own rules for one packed tarball (its package.json and the paths of its files, without `package/`); returns
 * the problems found. Exported for the tests.
 */
export function checkTarball({ manifest, files }, expectedVersion, releasedVersions) {
  const problems = [];
  const text = JSON.stringify(manifest);
  if (manifest.version !== expectedVersion)
    problems.push(`version ${manifest.version}, but changeset version wrote ${expectedVersion}`);
  if (text.includes(SOURCE_CONDITION))
    problems.push(`package.json still mentions the ${SOURCE_CONDITION} condition`);
  if (text.includes('workspace:')) problems.push('package.json still has a workspace: range');
  if (!manifest.exports) problems.push('no exports field');
  const { targets, objects } = walkExports(manifest.exports ?? {});
  for (const { trail, keys } of objects) {
    if (keys.includes('import') && !keys.includes('types'))
      problems.push(`exports ${trail.join(' > ')} has no types condition`);
    if (keys.includes('types') && keys[0] !== 'types')
      problems.push(`exports ${trail.join(' > ')}: types must come first (has ${keys.join(', ')})`);
  }
  const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
  const pointedAt = [
    ...targets.map(({ trail, target }) => ({ what: `exports ${trail}`, target })),
    ...bins.map((target) => ({ what: 'bin', target })),
    ...['main', 'module', 'types', 'typings']
      .filter((field) => typeof manifest[field] === 'string')
      .map((field) => ({ what: field, target: manifest[field] })),
  ];
  for (const { what, target } of pointedAt) {
    if (target.includes('*')) continue;
    if (!files.has(packagePath(target)))
      problems.push(`${what} points at ${target}, which is not in the tarball`);
  }
  const unshipped = [...files].filter(
    (file) => /^(?:src|test)\//.test(file) || /\.test\.[cm]?[jt]s$/.test(file),
  );
  if (unshipped.length > 0) problems.push(`ships sources or tests: ${unshipped.slice(0, 5).join(', ')}`);
  if (!files.has('package.json')) problems.push('no package.json');
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      const released = releasedVersions.get(name);
      if (released !== undefined && !semver.satisfies(released, range))
        problems.push(`${field}.${name} is ${range}, which the released ${released} does not satisfy`);
    }
  }
  return problems;
}

async function readTarball(path) {
  const manifest = JSON.parse(await run('tar', ['-xzOf', path, 'package/package.json'], dirname(path)));
  const files = new Set(
    (await run('tar', ['-tzf', path], dirname(path)))
      .split('\n')
      .filter((line) => line.startsWith('package/') && !line.endsWith('/'))
      .map((line) => line.slice('package/'.length)),
  );
  return { manifest, files };
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const started = performance.now();
  const workRoot = mkdtempSync(join(tmpdir(), 'llm-service-release-dry-run-'));
  const clone = join(workRoot, 'repository');
  const packDir = join(workRoot, 'tarballs');
  mkdirSync(packDir);
  let failed = false;
  try {
    await step(options.source === 'head' ? 'git clone of HEAD' : 'copy of the working tree', async () => {
      if (options.source === 'head')
        await run('git', ['clone', '--quiet', '--no-hardlinks', repositoryRoot, clone], workRoot);
      else copyWorkingTree(clone);
    });
    const before = new Map(workspacePackages(clone).map((pkg) => [pkg.manifest.name, pkg.manifest.version]));
    await step('pnpm install --frozen-lockfile', () =>
      run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent'], clone),
    );
    const versionOutput = await step('changeset version', () =>
      run('pnpm', ['exec', 'changeset', 'version'], clone),
    );
    if (/no unreleased changesets/i.test(versionOutput))
      console.log('  (no changesets: versions stay as they are)');
    await step('pnpm install --frozen-lockfile (after versioning)', () =>
      run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent'], clone),
    );
    await step('build', () => run('pnpm', ['-r', '--filter', './packages/*', 'run', 'build'], clone));

    const packages = workspacePackages(clone).filter((pkg) => !pkg.manifest.private);
    const releasedVersions = new Map(packages.map((pkg) => [pkg.manifest.name, pkg.manifest.version]));
    const tarballs = await step(`pnpm pack (${packages.length} packages)`, () =>
      Promise.all(
        packages.map(async (pkg) => {
          const path = await packPackage(pkg.dir, packDir);
          return { pkg, path, ...(await readTarball(path)) };
        }),
      ),
    );

    const results = await step('publint and tarball checks', () =>
      Promise.all(
        tarballs.map(async (tarball) => {
          const buffer = readFileSync(tarball.path);
          const arrayBuffer = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
          const linted = await publint({ pack: { tarball: arrayBuffer }, level: 'suggestion', strict: true });
          const lint = linted.messages.map((message) => ({
            type: message.type,
            text: formatMessage(message, linted.pkg, { color: false }) ?? message.code,
          }));
          const problems = [
            ...lint
              .filter((message) => message.type !== 'suggestion')
              .map((message) => `publint: ${message.text}`),
            ...checkTarball(tarball, tarball.pkg.manifest.version, releasedVersions),
          ];
          const suggestions = lint
            .filter((message) => message.type === 'suggestion')
            .map((message) => message.text);
          return { tarball, problems, suggestions, size: buffer.byteLength };
        }),
      ),
    );

    console.log('');
    for (const { tarball, problems, suggestions, size } of results) {
      const name = tarball.manifest.name;
      const version = `${before.get(name)} → ${tarball.manifest.version}`;
      const status = problems.length === 0 ? 'ok' : 'FAILED';
      console.log(
        `${status.padEnd(6)} ${name.padEnd(34)} ${version.padEnd(16)} ${tarball.files.size} files, ${(size / 1024).toFixed(1)} KiB`,
      );
      for (const problem of problems) console.log(`         ✗ ${problem}`);
      for (const suggestion of suggestions) console.log(`         · publint suggests: ${suggestion}`);
      if (problems.length > 0) failed = true;
    }
    const privatePackages = workspacePackages(clone).filter((pkg) => pkg.manifest.private);
    if (privatePackages.length > 0)
      console.log(`skipped (private): ${privatePackages.map((pkg) => pkg.manifest.name).join(', ')}`);
  } catch (error) {
    failed = true;
    console.log('');
    console.error(error instanceof Error ? error.message : error);
  } finally {
    if (options.keep) console.log(`kept ${workRoot}`);
    else rmSync(workRoot, { recursive: true, force: true });
  }
  const total = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`\nrelease dry run ${failed ? 'FAILED' : 'passed'} in ${total} s (nothing was published)`);
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
