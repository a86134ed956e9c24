/**
 * Packs every package as pnpm would publish it, installs all the tarballs with npm in one go in an empty directory
 * outside the workspace, and checks that what a user would install works: nothing of ours from the registry, the
 * published exports (no source condition), every plugin's default export, and the `llm-service` binary.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInside, packagesDir, repositoryRoot, run, type Manifest } from './support/packed-workspace.js';

const TIMEOUT_MS = 180_000;
const SCOPE = '@llm-service/';
const CORE = '@llm-service/core';
const SPEC = '@llm-service/spec';
/** Packages that are neither plugins nor distributions: the contracts, the shared helpers, the test helpers. */
const LIBRARIES = new Set([
  CORE,
  SPEC,
  '@llm-service/config',
  '@llm-service/plugin-kit',
  '@llm-service/testkit',
]);
const CLI_DIR = 'cli';
const SOURCE_CONDITION = '@llm-service/source';

interface WorkspacePackage {
  dir: string;
  directoryName: string;
  manifest: Manifest;
}

interface Tarball {
  path: string;
  manifest: Manifest;
  /** Paths inside the package, without the tarball's `package/` prefix. */
  files: Set<string>;
}

const workspacePackages: WorkspacePackage[] = readdirSync(packagesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, 'package.json')))
  .map((entry) => ({
    dir: join(packagesDir, entry.name),
    directoryName: entry.name,
    manifest: JSON.parse(readFileSync(join(packagesDir, entry.name, 'package.json'), 'utf8')) as Manifest,
  }))
  // Private packages (test helpers) are never published, so they are neither packed nor checked here.
  .filter((pkg) => !pkg.manifest.private)
  .sort((a, b) => a.directoryName.localeCompare(b.directoryName));
const plugins = workspacePackages.filter(
  (pkg) => !LIBRARIES.has(pkg.manifest.name ?? '') && pkg.directoryName !== CLI_DIR,
);
const cli = workspacePackages.find((pkg) => pkg.directoryName === CLI_DIR);

function binTargets(manifest: Manifest): string[] {
  if (manifest.bin === undefined) return [];
  return typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin);
}

/** `./dist/index.js` → `dist/index.js` */
const packagePath = (target: string) => target.replace(/^\.\//, '');

/** Every file an export map points at, with the condition path that leads to it. */
function exportTargets(exportsField: unknown, trail: string[] = []): { trail: string; target: string }[] {
  if (typeof exportsField === 'string') return [{ trail: trail.join(' > '), target: exportsField }];
  if (exportsField === null || typeof exportsField !== 'object') return [];
  return Object.entries(exportsField).flatMap(([key, value]) => exportTargets(value, [...trail, key]));
}

/** The built files `pnpm pack` needs: each package's `import` exports and its binaries. */
function missingBuildOutputs(): string[] {
  return workspacePackages.flatMap((pkg) =>
    [
      ...exportTargets(pkg.manifest.publishConfig?.exports ?? pkg.manifest.exports).map(
        ({ target }) => target,
      ),
      ...binTargets(pkg.manifest),
    ]
      .map((target) => join(pkg.dir, packagePath(target)))
      .filter((path) => !existsSync(path)),
  );
}

function readTarball(path: string): Tarball {
  const manifest = JSON.parse(run('tar', ['-xzOf', path, 'package/package.json'], dirname(path))) as Manifest;
  const files = new Set(
    run('tar', ['-tzf', path], dirname(path))
      .split('\n')
      .filter((line) => line.startsWith('package/') && !line.endsWith('/'))
      .map((line) => line.slice('package/'.length)),
  );
  return { path, manifest, files };
}

describe('packed packages installed with npm outside the workspace', () => {
  let packDir: string;
  let installDir: string;
  const tarballs = new Map<string, Tarball>();
  let lockfile: { packages: Record<string, { resolved?: string; version?: string; link?: boolean }> };

  /** Runs a module script with Node in the install directory and returns what it printed as JSON. */
  function nodeJson(script: string): unknown {
    return JSON.parse(run(process.execPath, ['--input-type=module', '-e', script], installDir));
  }

  beforeAll(() => {
    if (missingBuildOutputs().length > 0)
      run('pnpm', ['-r', '--filter', './packages/*', 'run', 'build'], repositoryRoot);
    const stillMissing = missingBuildOutputs();
    if (stillMissing.length > 0) throw new Error(`the build left out: ${stillMissing.join(', ')}`);

    packDir = mkdtempSync(join(tmpdir(), 'llm-service-pack-'));
    installDir = mkdtempSync(join(tmpdir(), 'llm-service-install-'));
    if (isInside(repositoryRoot, installDir)) throw new Error(`${installDir} is inside the workspace`);

    for (const pkg of workspacePackages) run('pnpm', ['pack', '--pack-destination', packDir], pkg.dir);
    for (const file of readdirSync(packDir).filter((name) => name.endsWith('.tgz'))) {
      const tarball = readTarball(join(packDir, file));
      tarballs.set(tarball.manifest.name, tarball);
    }

    writeFileSync(
      join(installDir, 'package.json'),
      JSON.stringify(
        { name: 'llm-service-pack-test', version: '0.0.0', private: true, type: 'module' },
        null,
        2,
      ),
    );
    const paths = [...tarballs.values()].map((tarball) => tarball.path);
    run('npm', ['install', ...paths, '--no-audit', '--no-fund', '--package-lock=true'], installDir);
    lockfile = JSON.parse(readFileSync(join(installDir, 'package-lock.json'), 'utf8')) as typeof lockfile;
  }, TIMEOUT_MS);

  afterAll(() => {
    for (const dir of [packDir, installDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('packs every package of the workspace', () => {
    expect([...tarballs.keys()].sort()).toEqual(workspacePackages.map((pkg) => pkg.manifest.name).sort());
  });

  it('publishes publishConfig.exports, without the source condition, pointing at files in the tarball', () => {
    for (const pkg of workspacePackages) {
      const tarball = tarballs.get(pkg.manifest.name);
      expect(tarball, pkg.manifest.name).toBeDefined();
      const packed = tarball!.manifest;
      // pnpm replaces `exports` with `publishConfig.exports` when it packs.
      if (pkg.manifest.publishConfig?.exports)
        expect(packed.exports, pkg.manifest.name).toEqual(pkg.manifest.publishConfig.exports);
      expect(JSON.stringify(packed.exports ?? {}), pkg.manifest.name).not.toContain(SOURCE_CONDITION);
      expect(JSON.stringify(packed), pkg.manifest.name).not.toContain('workspace:');
      const root = packed.exports?.['.'] as Record<string, unknown> | undefined;
      expect(typeof root?.types, `${pkg.manifest.name} exports['.'].types`).toBe('string');
      for (const { trail, target } of exportTargets(packed.exports)) {
        expect(
          tarball!.files.has(packagePath(target)),
          `${pkg.manifest.name} exports ${trail}: ${target}`,
        ).toBe(true);
      }
      expect(
        [...tarball!.files].filter((file) => file.startsWith('src/')),
        pkg.manifest.name,
      ).toEqual([]);
    }
  });

  it('ships core without the source condition and with its types', () => {
    const core = tarballs.get(CORE)!;
    expect(JSON.stringify(core.manifest.exports)).not.toContain(SOURCE_CONDITION);
    const types = (core.manifest.exports?.['.'] as { types?: string } | undefined)?.types;
    expect(types).toBeDefined();
    expect(core.files.has(packagePath(types!))).toBe(true);
  });

  it('installs every package of ours from its local tarball, never from the registry', () => {
    const ours = Object.entries(lockfile.packages).filter(([key]) =>
      /(?:^|\/)node_modules\/@llm-service\//.test(key),
    );
    expect(ours.map(([key]) => key.slice(key.lastIndexOf(SCOPE))).sort()).toEqual(
      [...tarballs.keys()].sort(),
    );
    const tarballPaths = new Set([...tarballs.values()].map((tarball) => tarball.path));
    for (const [key, entry] of ours) {
      expect(entry.resolved, `${key} in package-lock.json`).toMatch(/^file:/);
      expect(
        tarballPaths.has(resolve(installDir, entry.resolved!.slice('file:'.length))),
        `${key}: ${entry.resolved}`,
      ).toBe(true);
    }
    // One copy of the spec, so plugins and kernel share its tokens, zod and rxjs; and one of core.
    for (const name of [SPEC, CORE])
      expect(ours.filter(([key]) => key.endsWith(name)).map(([key]) => key)).toEqual([
        `node_modules/${name}`,
      ]);
  });

  it('imports core, which exposes createKernel, and the spec, which exposes definePlugin', () => {
    const exported = nodeJson(
      `const core = await import('${CORE}');
       const spec = await import('${SPEC}');
       console.log(JSON.stringify({ createKernel: typeof core.createKernel, definePlugin: typeof spec.definePlugin }));`,
    );
    expect(exported).toEqual({ createKernel: 'function', definePlugin: 'function' });
  });

  it('imports each plugin, whose default export is a valid plugin named after its package', () => {
    expect(plugins.length).toBeGreaterThan(0);
    for (const plugin of plugins) {
      const name = plugin.manifest.name;
      const described = nodeJson(
        `const config = await import('@llm-service/config');
         const plugin = (await import('${name}')).default;
         config.validatePluginDefinition('${name}', plugin);
         console.log(JSON.stringify({ name: plugin?.name, version: plugin?.version, register: typeof plugin?.register }));`,
      );
      expect(described, name).toEqual({ name, version: plugin.manifest.version, register: 'function' });
    }
  });

  it('loads the installed plugins into the installed kernel', () => {
    const configDir = mkdtempSync(join(tmpdir(), 'llm-service-pack-config-'));
    try {
      writeFileSync(join(configDir, 'agents.yaml'), 'version: 1\nagents: {}\n');
      writeFileSync(join(configDir, 'tools.yaml'), 'version: 1\ntools: {}\n');
      writeFileSync(join(configDir, 'models.yaml'), 'version: 1\nmodels: {}\n');
      const names = plugins.map((plugin) => plugin.manifest.name);
      const loaded = nodeJson(
        `const { createKernel } = await import('${CORE}');
         const plugins = await Promise.all(${JSON.stringify(names)}.map(async (name) => (await import(name)).default));
         const kernel = createKernel({ configDir: ${JSON.stringify(configDir)}, env: {}, plugins, logger: { warn: (m) => console.error(m) } });
         const loaded = (await kernel.plugins()).map((plugin) => plugin.name);
         await kernel.dispose();
         console.log(JSON.stringify(loaded));`,
      );
      expect(loaded).toEqual(names);
    } finally {
      rmSync(configDir, { recursive: true, force: true });
    }
  });

  // Verifies the CLI distribution as installed; needs packages/cli to build `dist/bin.js`.
  it('runs `npx llm-service --version` in the install directory', () => {
    expect(cli, 'packages/cli').toBeDefined();
    const packed = tarballs.get(cli!.manifest.name)!;
    expect(binTargets(packed.manifest)).not.toEqual([]);
    for (const target of binTargets(packed.manifest))
      expect(packed.files.has(packagePath(target)), target).toBe(true);
    // --no: never fetch a package named llm-service from the registry if the local binary is missing.
    const output = run('npx', ['--no', '--', 'llm-service', '--version'], installDir).trim();
    expect(output).toMatch(/\d+\.\d+\.\d+/);
    expect(output).toContain(cli!.manifest.version);
  });

  it('runs exec through the installed CLI on the quick-start example, records it, and reports it in stats', () => {
    const home = mkdtempSync(join(tmpdir(), 'llm-service-pack-home-'));
    try {
      // The example's layout (config beside the stand-in CLI) copied outside the workspace.
      cpSync(join(repositoryRoot, 'examples', 'quick-start'), join(home, 'quick-start'), { recursive: true });
      cpSync(join(repositoryRoot, 'examples', 'stand-in-llm'), join(home, 'stand-in-llm'), {
        recursive: true,
      });
      const env = { HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config') };
      const configDir = join(home, 'quick-start');
      const exec = JSON.parse(
        run(
          'npx',
          [
            '--no',
            '--',
            'llm-service',
            'exec',
            '--config-dir',
            configDir,
            '--agent',
            'writer',
            '--prompt',
            'hi',
            '--json',
          ],
          installDir,
          env,
        ),
      ) as { tool: string; model: string; text: string };
      expect(exec.tool).toBe('stand-in');
      expect(exec.model).toBe('stand-in-small');
      expect(exec.text.length).toBeGreaterThan(0);
      expect(exec.text).toContain('Stand-in answer');
      const stats = JSON.parse(
        run(
          'npx',
          ['--no', '--', 'llm-service', 'stats', '--config-dir', configDir, '--json'],
          installDir,
          env,
        ),
      ) as { total: { invocations: number } };
      expect(stats.total.invocations).toBe(1);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
