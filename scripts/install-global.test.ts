/**
 * `pnpm run install:global` (scripts/install-global.mjs) as a user runs it from a clone, into a temporary npm prefix:
 * it packs the CLI and the workspace packages it needs and installs them with one `npm install --global`. Every
 * `@llm-service` package under the prefix must be, file for file and byte for byte, a tarball the script packed, with
 * one copy of each and none nested: so none came from a registry. Then the installed binary answers the quick-start's
 * prompt with a fresh home and reports the request in `stats`.
 *
 * Runs with --no-build: tests run after `pnpm build`, and must not rebuild `dist` directories other tests are reading.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  childEnvironment,
  examplesDir,
  isolatedEnvironment,
  outsideDir,
  publishablePackages,
  readManifest,
  repositoryRoot,
  run,
  runAsync,
  type Manifest,
  type ProcessRun,
} from './support/packed-workspace.js';

const TIMEOUT_MS = 300_000;
const SCOPE = '@llm-service/';
const CLI = '@llm-service/cli';
const PROMPT_FILE = join(examplesDir, 'prompts', 'design-review.md');

/** The CLI and the workspace packages it needs (dependencies and peers, transitively): what the script installs. */
function expectedPackages(): string[] {
  const manifests = new Map(publishablePackages().map((pkg) => [pkg.manifest.name, pkg.manifest]));
  const needed = new Set<string>();
  const visit = (name: string) => {
    const manifest = manifests.get(name);
    if (needed.has(name) || !manifest) return;
    needed.add(name);
    for (const dependencies of [manifest.dependencies, manifest.peerDependencies])
      for (const dependency of Object.keys(dependencies ?? {})) visit(dependency);
  };
  visit(CLI);
  return [...needed].sort();
}

/** Every file below `dir` (relative paths), leaving out `node_modules` directories. */
function filesBelow(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesBelow(path, base);
    return [relative(base, path)];
  });
}

/** Every `node_modules/@llm-service/<name>` directory below `dir`, however deeply nested, relative to `dir`. */
function scopedDirectories(dir: string, base = dir): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (entry.name === '@llm-service' && dir.endsWith('node_modules'))
      for (const name of readdirSync(path)) found.push(relative(base, join(path, name)));
    found.push(...scopedDirectories(path, base));
  }
  return found;
}

describe('install:global into a temporary prefix', () => {
  let workDir: string;
  let prefix: string;
  let packDir: string;
  let configDir: string;
  let install: ProcessRun;
  const home = isolatedEnvironment();

  const binPath = () => join(prefix, 'bin', 'llm-service');
  const llmService = (args: readonly string[]) =>
    runAsync(binPath(), args, { cwd: workDir, env: home, timeoutMs: 60_000 });

  beforeAll(async () => {
    assertBuilt(publishablePackages().filter((pkg) => expectedPackages().includes(pkg.manifest.name)));
    workDir = outsideDir('llm-service-install-global-');
    prefix = join(workDir, 'prefix');
    packDir = join(workDir, 'tarballs');
    // The quick-start's tools.yaml names the stand-in by a path relative to the config: copy both, side by side.
    cpSync(join(examplesDir, 'quick-start'), join(workDir, 'examples', 'quick-start'), { recursive: true });
    cpSync(join(examplesDir, 'stand-in-llm'), join(workDir, 'examples', 'stand-in-llm'), { recursive: true });
    configDir = join(workDir, 'examples', 'quick-start');
    install = await runAsync(
      process.execPath,
      [
        join(repositoryRoot, 'scripts', 'install-global.mjs'),
        '--no-build',
        '--prefix',
        prefix,
        '--pack-dir',
        packDir,
      ],
      // The user's environment (npm's cache and settings), without what pnpm sets for the test run.
      { cwd: repositoryRoot, env: childEnvironment(), timeoutMs: TIMEOUT_MS - 10_000 },
    );
  }, TIMEOUT_MS);

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    if (typeof home.HOME === 'string') rmSync(home.HOME, { recursive: true, force: true });
  });

  it('prints one line per step and where the binary is', () => {
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    const version = readManifest(join(repositoryRoot, 'packages', 'cli')).version;
    const lines = install.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'using the packages as built (--no-build)',
      `packing ${expectedPackages().length} packages…`,
      `installing ${expectedPackages().length} packages into ${prefix} with npm…`,
    ]);
    expect(lines[3]).toBe(`llm-service ${version} is installed at ${binPath()}; run \`llm-service --help\``);
    // The temporary prefix is not on the PATH, so the script says how to put it there.
    expect(lines.slice(4)).toEqual([
      `(${join(prefix, 'bin')} is not on your PATH: add it, e.g. export PATH="${join(prefix, 'bin')}:$PATH")`,
    ]);
  });

  /** The tarballs the script packed, by package name. */
  const packedTarballs = () =>
    new Map(
      readdirSync(packDir)
        .filter((file) => file.endsWith('.tgz'))
        .map((file) => {
          const path = join(packDir, file);
          const manifest = JSON.parse(
            run('tar', ['-xzOf', path, 'package/package.json'], packDir),
          ) as Manifest;
          return [manifest.name, path];
        }),
    );

  it('installs each package of ours once, at the top level, byte for byte from the tarball it packed', () => {
    expect(install.code).toBe(0);
    const packed = packedTarballs();
    expect([...packed.keys()].sort()).toEqual(expectedPackages());

    const globalRoot = join(prefix, 'lib', 'node_modules');
    // No copy of a package of ours anywhere else (a registry's would be nested below a package that wanted it).
    expect(scopedDirectories(prefix).sort()).toEqual(
      expectedPackages().map((name) => join('lib', 'node_modules', name)),
    );
    const extracted = join(workDir, 'extracted');
    for (const [name, tarball] of packed) {
      const dir = join(extracted, name);
      mkdirSync(dir, { recursive: true });
      run('tar', ['-xzf', tarball, '-C', dir], dir);
      const fromTarball = join(dir, 'package');
      const installed = join(globalRoot, name);
      const files = filesBelow(fromTarball).sort();
      expect(filesBelow(installed).sort(), name).toEqual(files);
      for (const file of files)
        expect(
          readFileSync(join(installed, file)).equals(readFileSync(join(fromTarball, file))),
          `${name}: ${file}`,
        ).toBe(true);
      // Every dependency of ours it names is one of the packages installed beside it.
      const manifest = readManifest(installed);
      for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }))
        if (dependency.startsWith(SCOPE))
          expect(packed.has(dependency), `${name} → ${dependency}`).toBe(true);
    }
  });

  it('answers the quick-start prompt from the installed binary, with a fresh home', async () => {
    expect(existsSync(binPath())).toBe(true);
    const result = await llmService([
      'exec',
      '--agent',
      'architect',
      '--prompt-file',
      PROMPT_FILE,
      '--config-dir',
      configDir,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Stand-in answer');
    const firstLine = readFileSync(PROMPT_FILE, 'utf8').split('\n')[0]!;
    expect(result.stdout).toContain(firstLine);
  });

  it('gives a new plugin the packages of ours it installed, packed as install:global packed them', async () => {
    const result = await llmService([
      'plugins',
      'new',
      'llm-service-size',
      '--kind',
      'policy',
      '--dir',
      'plugin',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const pluginDir = join(workDir, 'plugin');
    const ours = Object.entries(readManifest(pluginDir).devDependencies ?? {}).filter(([name]) =>
      name.startsWith(SCOPE),
    );
    expect(ours.map(([name]) => name)).toEqual([
      '@llm-service/config',
      '@llm-service/core',
      '@llm-service/plugin-kit',
      '@llm-service/spec',
      '@llm-service/testkit',
    ]);
    const packed = packedTarballs();
    for (const [name, range] of ours) {
      expect(range, name).toMatch(/^file:vendor\/[^/]+\.tgz$/);
      const vendoredDir = join(workDir, 'vendored', name);
      const packedDir = join(workDir, 'packed', name);
      for (const [tarball, dir] of [
        [join(pluginDir, range.slice('file:'.length)), vendoredDir],
        [packed.get(name)!, packedDir],
      ] as const) {
        mkdirSync(dir, { recursive: true });
        run('tar', ['-xzf', tarball, '-C', dir], dir);
      }
      // The same files, byte for byte; the manifest as packed, less what an installed package never runs or needs.
      const files = filesBelow(join(packedDir, 'package')).sort();
      expect(filesBelow(join(vendoredDir, 'package')).sort(), name).toEqual(files);
      for (const file of files.filter((path) => path !== 'package.json'))
        expect(
          readFileSync(join(vendoredDir, 'package', file)).equals(
            readFileSync(join(packedDir, 'package', file)),
          ),
          `${name}: ${file}`,
        ).toBe(true);
      const {
        scripts: _scripts,
        devDependencies: _dev,
        ...published
      } = readManifest(join(packedDir, 'package')) as Manifest & { scripts?: unknown };
      const vendored = readManifest(join(vendoredDir, 'package'));
      expect(vendored, name).toEqual(published);
      // What it depends on of ours is vendored too, so npm never looks for it elsewhere.
      for (const dependency of Object.keys({ ...vendored.dependencies, ...vendored.peerDependencies }))
        if (dependency.startsWith(SCOPE))
          expect(
            ours.some(([vendoredName]) => vendoredName === dependency),
            `${name} → ${dependency}`,
          ).toBe(true);
    }
  });

  it('reports that request in stats, through telemetry and its native SQLite driver', async () => {
    // From yesterday, so a run across midnight (UTC) still counts the request.
    const since = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const result = await llmService([
      'stats',
      '--config-dir',
      configDir,
      '--by',
      'agent',
      '--since',
      since,
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      total: { invocations: number };
      groups: { group: string; invocations: number }[];
    };
    expect(report.total.invocations).toBe(1);
    expect(report.groups).toMatchObject([{ group: 'architect', invocations: 1 }]);
  });
});
