/**
 * `llm-service plugins new`: generates one plugin package of each kind with the built binary, in a directory outside
 * the workspace, then type-checks and builds each with its own tsconfig files and runs all their tests in one vitest
 * invocation. The spec, the configuration, core, the testkit, vitest, typescript and @types/node are linked from the
 * workspace (ours through their published `exports`, i.e. their built `dist`), standing in for `npm install`; the
 * real `npm install` of a scaffold, from the tarballs it carries in `vendor/`, is `scripts/plugins-new-offline.test.ts`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  isolatedEnvironment,
  outsideDir,
  packagesDir,
  publishablePackages,
  repositoryRoot,
  runAsync,
  type ProcessRun,
} from './support/packed-workspace.js';

const kinds = [
  { kind: 'adapter', name: 'llm-service-adapter-echo', dir: 'adapter' },
  { kind: 'policy', name: 'llm-service-policy-size', dir: 'policy' },
  { kind: 'sink', name: '@acme/llm-service-audit-trail', dir: 'sink' },
  { kind: 'command', name: 'llm-service-agents-list', dir: 'command' },
] as const;

const binPath = join(packagesDir, 'cli', 'dist', 'bin.js');
const workspaceModules = join(repositoryRoot, 'node_modules');

describe('llm-service plugins new', () => {
  let workDir: string;
  const env = isolatedEnvironment();
  const cli = (args: readonly string[]): Promise<ProcessRun> =>
    runAsync(process.execPath, [binPath, ...args], { cwd: workDir, env });
  const node = (args: readonly string[], cwd: string): Promise<ProcessRun> =>
    runAsync(process.execPath, args, { cwd, env, timeoutMs: 240_000 });

  beforeAll(() => {
    assertBuilt(
      publishablePackages().filter((pkg) =>
        [
          '@llm-service/spec',
          '@llm-service/config',
          '@llm-service/core',
          '@llm-service/testkit',
          '@llm-service/cli',
        ].includes(pkg.manifest.name),
      ),
    );
    workDir = outsideDir('llm-service-plugins-new-');
    const modules = join(workDir, 'node_modules');
    mkdirSync(join(modules, '@llm-service'), { recursive: true });
    mkdirSync(join(modules, '@types'), { recursive: true });
    for (const name of ['spec', 'config', 'core', 'testkit'])
      symlinkSync(join(packagesDir, name), join(modules, '@llm-service', name), 'dir');
    symlinkSync(join(workspaceModules, 'vitest'), join(modules, 'vitest'), 'dir');
    symlinkSync(join(workspaceModules, 'typescript'), join(modules, 'typescript'), 'dir');
    symlinkSync(join(workspaceModules, '@types', 'node'), join(modules, '@types', 'node'), 'dir');
  });

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    if (typeof env.HOME === 'string') rmSync(env.HOME, { recursive: true, force: true });
  });

  it('generates a package of each kind', async () => {
    for (const { kind, name, dir } of kinds) {
      const result = await cli(['plugins', 'new', name, '--kind', kind, '--dir', dir]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`wrote a ${kind} plugin ${name}`);
      for (const file of [
        'package.json',
        'tsconfig.json',
        'tsconfig.build.json',
        'src/index.ts',
        'src/index.test.ts',
      ])
        expect(existsSync(join(workDir, dir, file)), `${dir}/${file}`).toBe(true);
      const manifest = JSON.parse(readFileSync(join(workDir, dir, 'package.json'), 'utf8')) as {
        name: string;
        peerDependencies: Record<string, string>;
        dependencies?: Record<string, string>;
      };
      expect(manifest.name).toBe(name);
      expect(Object.keys(manifest.peerDependencies)).toEqual(['@llm-service/spec']);
      expect(manifest.dependencies).toBeUndefined();
    }
  });

  it('refuses an unknown kind, a bad name and a directory that is not empty, with exit 2', async () => {
    const badKind = await cli(['plugins', 'new', 'llm-service-x', '--kind', 'widget']);
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toContain('--kind must be one of adapter, policy, sink, command');
    const badName = await cli(['plugins', 'new', 'Not A Name', '--kind', 'sink']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('is not a valid npm package name');
    const taken = await cli(['plugins', 'new', 'llm-service-x', '--kind', 'sink', '--dir', 'adapter']);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('exists and is not empty');
  });

  it('type-checks (strict) and builds each generated package', async () => {
    const tsc = join(workspaceModules, 'typescript', 'bin', 'tsc');
    for (const { dir } of kinds) {
      const packageDir = join(workDir, dir);
      const typecheck = await node([tsc, '-p', 'tsconfig.json', '--noEmit'], packageDir);
      expect(typecheck.code, `${dir}: ${typecheck.stdout}${typecheck.stderr}`).toBe(0);
      const build = await node([tsc, '-p', 'tsconfig.build.json'], packageDir);
      expect(build.code, `${dir}: ${build.stdout}${build.stderr}`).toBe(0);
      expect(existsSync(join(packageDir, 'dist', 'index.js')), dir).toBe(true);
      expect(existsSync(join(packageDir, 'dist', 'index.d.ts')), dir).toBe(true);
      expect(existsSync(join(packageDir, 'dist', 'index.test.js')), dir).toBe(false);
    }
  }, 240_000);

  it("passes each generated package's own tests", async () => {
    const vitest = join(workspaceModules, 'vitest', 'vitest.mjs');
    const result = await node([vitest, 'run', '--root', workDir, '--reporter', 'verbose'], workDir);
    const output = `${result.stdout}${result.stderr}`;
    expect(result.code, output).toBe(0);
    for (const { dir } of kinds) expect(output).toContain(`${dir}/src/index.test.ts`);
    expect(output).toMatch(/Test Files\s+4 passed \(4\)/);
  }, 240_000);
});
