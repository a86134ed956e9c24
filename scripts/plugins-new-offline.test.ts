/**
 * A plugin made by `llm-service plugins new` (the built binary, run from the workspace) installs, tests, type-checks
 * and builds in a fresh directory outside the workspace with plain npm, and nothing of the `@llm-service` scope comes
 * from a registry: the scope on the public registry is not ours, and nothing of ours need be published. The scope's
 * registry is, for the install, a server of this test that answers 404 to everything and records what it was asked;
 * it must be asked nothing (npm tolerates a failed manifest prefetch, so a failure alone would not show one). Other
 * packages (typescript, vitest, @types/node, and what core and the testkit need) come from npm's registry or cache as
 * usual. One scaffold serves every assertion; `scripts/plugins-new.test.ts` covers each kind without npm.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  childEnvironment,
  isolatedEnvironment,
  outsideDir,
  packagesDir,
  publishablePackages,
  runAsync,
  scopedPackagesInLockfile,
  type ProcessRun,
} from './support/packed-workspace.js';

const TIMEOUT_MS = 300_000;
const NAME = '@acme/llm-service-audit-trail';
const OURS = [
  '@llm-service/config',
  '@llm-service/core',
  '@llm-service/plugin-kit',
  '@llm-service/spec',
  '@llm-service/testkit',
];
const binPath = join(packagesDir, 'cli', 'dist', 'bin.js');

/** A registry that has nothing, and remembers every request. */
async function emptyRegistry(): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('a plugin from `plugins new` installs and passes its tests with no registry for our scope', () => {
  let workDir: string;
  let pluginDir: string;
  let registry: Awaited<ReturnType<typeof emptyRegistry>>;
  let scaffold: ProcessRun;
  let install: ProcessRun;
  const cliEnv = isolatedEnvironment();
  // npm with the user's own settings and cache, without what pnpm and vitest set for this test run.
  const npmEnv: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(childEnvironment()).filter(([key]) => !/^VITEST/.test(key))),
    NO_COLOR: '1',
  };
  const npm = (args: readonly string[]) =>
    runAsync('npm', args, { cwd: pluginDir, env: npmEnv, timeoutMs: TIMEOUT_MS - 60_000 });
  const cli = (args: readonly string[]) =>
    runAsync(process.execPath, [binPath, ...args], { cwd: workDir, env: cliEnv });

  beforeAll(async () => {
    assertBuilt(
      publishablePackages().filter((pkg) => [...OURS, '@llm-service/cli'].includes(pkg.manifest.name)),
    );
    workDir = outsideDir('llm-service-plugins-new-offline-');
    registry = await emptyRegistry();
    scaffold = await cli(['plugins', 'new', NAME, '--kind', 'sink']);
    pluginDir = join(workDir, 'llm-service-audit-trail');
    if (scaffold.code !== 0) return;
    install = await npm([
      'install',
      `--@llm-service:registry=${registry.url}`,
      // A request to the scope would otherwise be retried for minutes before npm gave up on it.
      '--fetch-retries=0',
      '--no-audit',
      '--no-fund',
      '--no-update-notifier',
    ]);
  }, TIMEOUT_MS);

  afterAll(async () => {
    await registry?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    if (typeof cliEnv.HOME === 'string') rmSync(cliEnv.HOME, { recursive: true, force: true });
  });

  it('writes the plugin with the packages of ours it needs, packed from this CLI into vendor/', () => {
    expect(scaffold.code, scaffold.stderr).toBe(0);
    expect(scaffold.stdout).toBe('');
    expect(scaffold.stderr).toContain(`wrote a sink plugin ${NAME} in llm-service-audit-trail`);
    const manifest = JSON.parse(readFileSync(join(pluginDir, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const version = (name: string) =>
      (
        JSON.parse(readFileSync(join(packagesDir, name.split('/')[1]!, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    expect(manifest.peerDependencies).toEqual({ '@llm-service/spec': `^${version('@llm-service/spec')}` });
    const ours = Object.entries(manifest.devDependencies).filter(([name]) =>
      name.startsWith('@llm-service/'),
    );
    expect(ours.map(([name]) => name)).toEqual(OURS);
    for (const [name, range] of ours) {
      expect(range).toBe(`file:vendor/${name.slice(1).replace('/', '-')}-${version(name)}.tgz`);
      expect(existsSync(join(pluginDir, range.slice('file:'.length))), range).toBe(true);
    }
  });

  it('installs them from vendor/ without asking any registry for @llm-service', () => {
    expect(install?.code, `${install?.stdout}${install?.stderr}`).toBe(0);
    expect(registry.requests).toEqual([]);
    expect(scopedPackagesInLockfile(pluginDir)).toEqual(
      OURS.map((name) => ({
        key: `node_modules/${name}`,
        resolved: expect.stringMatching(/^file:vendor\/llm-service-[a-z-]+-\d+\.\d+\.\d+.*\.tgz$/) as unknown,
      })),
    );
    // One copy of each, at the top, and none nested below another package.
    expect(readdirSync(join(pluginDir, 'node_modules', '@llm-service')).sort()).toEqual(
      OURS.map((name) => name.split('/')[1]),
    );
  });

  it(
    'passes its own tests, type-checks and builds',
    async () => {
      expect(install?.code).toBe(0);
      const test = await npm(['test']);
      expect(test.code, `${test.stdout}${test.stderr}`).toBe(0);
      expect(test.stdout).toMatch(/Tests\s+2 passed \(2\)/);
      const typecheck = await npm(['run', 'typecheck']);
      expect(typecheck.code, `${typecheck.stdout}${typecheck.stderr}`).toBe(0);
      const build = await npm(['run', 'build']);
      expect(build.code, `${build.stdout}${build.stderr}`).toBe(0);
      expect(existsSync(join(pluginDir, 'dist', 'index.js'))).toBe(true);
      expect(existsSync(join(pluginDir, 'dist', 'index.d.ts'))).toBe(true);
    },
    TIMEOUT_MS,
  );

  it('publishes dist alone: vendor/ stays out of its tarball', async () => {
    expect(install?.code).toBe(0);
    const pack = await npm(['pack', '--dry-run', '--json', '--ignore-scripts']);
    expect(pack.code, pack.stderr).toBe(0);
    const [packed] = JSON.parse(pack.stdout) as { files: { path: string }[] }[];
    expect(packed!.files.map((file) => file.path).sort()).toEqual([
      'README.md',
      'dist/index.d.ts',
      'dist/index.js',
      'package.json',
    ]);
  }, 60_000);

  it('refuses a directory that is not empty, and a file, with one line and exit 2', async () => {
    for (const [dir, problem] of [
      ['llm-service-audit-trail', 'exists and is not empty'],
      ['llm-service-audit-trail/package.json', 'exists and is not a directory'],
    ] as const) {
      const refused = await cli(['plugins', 'new', 'llm-service-other', '--kind', 'policy', '--dir', dir]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(
        `llm-service: error: ${join(workDir, dir)} ${problem}\n  hint: choose another --dir\n`,
      );
    }
  });
});
