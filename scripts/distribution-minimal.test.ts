/**
 * A custom distribution composed from outside the repository: `examples/distribution-minimal` (its own binary over
 * core, the spec, the generic YAML adapter and telemetry) is packed and installed with the tarballs of exactly those
 * packages and the plugin kit they use, in one `npm install` in an empty directory. Its `exec` and `stats` run, and the packages it does not
 * depend on (the Claude adapter, the policy plugin, the CLI) are nowhere in its node_modules.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  examplesDir,
  installedBin,
  isolatedEnvironment,
  outsideDir,
  packWorkspace,
  publishablePackages,
  readManifest,
  run,
  runAsync,
  scopedPackagesInLockfile,
  STEP_TIMEOUT_MS,
  type ProcessRun,
} from './support/packed-workspace.js';

const DISTRIBUTION = 'llm-service-distribution-minimal';
/** What the distribution depends on. */
const DEPENDENCIES = [
  '@llm-service/adapter-generic-yaml',
  '@llm-service/core',
  '@llm-service/spec',
  '@llm-service/telemetry',
];
/** What is installed with it: its dependencies and what they use. */
const INCLUDED = [...DEPENDENCIES, '@llm-service/config', '@llm-service/plugin-kit'].sort();
const EXCLUDED = ['@llm-service/adapter-claude', '@llm-service/policy', '@llm-service/cli'];

/** Every `node_modules/<name>` directory below `dir`, however deeply nested. */
function installedNames(dir: string): string[] {
  const names: string[] = [];
  const visit = (modulesDir: string) => {
    if (!existsSync(modulesDir)) return;
    for (const entry of readdirSync(modulesDir, { withFileTypes: true })) {
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
      if (entry.name.startsWith('@')) {
        for (const scoped of readdirSync(join(modulesDir, entry.name))) {
          names.push(`${entry.name}/${scoped}`);
          visit(join(modulesDir, entry.name, scoped, 'node_modules'));
        }
      } else if (!entry.name.startsWith('.')) {
        names.push(entry.name);
        visit(join(modulesDir, entry.name, 'node_modules'));
      }
    }
  };
  visit(join(dir, 'node_modules'));
  return names;
}

describe('a minimal distribution installed from packed tarballs', () => {
  let workDir: string;
  let installDir: string;
  let configDir: string;
  let binPath: string;
  const env = isolatedEnvironment();

  const distribution = (args: readonly string[], input?: string): Promise<ProcessRun> =>
    runAsync(process.execPath, [binPath, ...args], { cwd: installDir, env, input });

  beforeAll(() => {
    const packages = publishablePackages().filter((pkg) => INCLUDED.includes(pkg.manifest.name));
    expect(packages.map((pkg) => pkg.manifest.name).sort()).toEqual(INCLUDED);
    assertBuilt(packages);
    workDir = outsideDir('llm-service-distribution-');
    const packDir = join(workDir, 'pack');
    mkdirSync(packDir);
    const tarballs = packWorkspace(packages, packDir);
    const packed = JSON.parse(
      run(
        'npm',
        ['pack', '--json', '--pack-destination', packDir],
        join(examplesDir, 'distribution-minimal'),
      ),
    ) as { filename: string }[];
    const distributionTarball = join(packDir, packed[0]!.filename);

    installDir = join(workDir, 'install');
    mkdirSync(installDir);
    writeFileSync(
      join(installDir, 'package.json'),
      JSON.stringify({ name: 'distribution-user', version: '0.0.0', private: true }, null, 2),
    );
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--package-lock=true',
        ...tarballs.values(),
        distributionTarball,
      ],
      installDir,
    );
    binPath = installedBin(installDir, DISTRIBUTION, 'llm-minimal');

    configDir = join(workDir, 'config');
    mkdirSync(configDir);
    copyFileSync(join(examplesDir, 'stand-in-llm', 'stand-in-llm.mjs'), join(configDir, 'stand-in-llm.mjs'));
    writeFileSync(
      join(configDir, 'tools.yaml'),
      `version: 1
tools:
  stand-in:
    adapter: generic-yaml
    binary: ./stand-in-llm.mjs
    args: ['exec', '--json', '--model', '{{model}}', '-']
    prompt_via: stdin
    output: { format: jsonl, text: item.text, input_tokens: usage.input_tokens, output_tokens: usage.output_tokens }
    models: [stand-in-small]
    env: { STAND_IN_DELAY_MS: '0' }
`,
    );
    writeFileSync(
      join(configDir, 'agents.yaml'),
      'version: 1\nagents:\n  writer: { preferred_tool: stand-in, preferred_model: stand-in-small }\n',
    );
    writeFileSync(
      join(configDir, 'models.yaml'),
      'version: 1\nmodels:\n  stand-in-small: { input_per_mtok: 1.0, output_per_mtok: 2.0 }\n',
    );
  }, STEP_TIMEOUT_MS * 2);

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    if (typeof env.HOME === 'string') rmSync(env.HOME, { recursive: true, force: true });
  });

  it('depends on core, the spec, the generic YAML adapter and telemetry only', () => {
    const manifest = readManifest(join(installDir, 'node_modules', DISTRIBUTION));
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual(DEPENDENCIES);
  });

  it('installed every package of ours from its local tarball, and none of the others', () => {
    const ours = scopedPackagesInLockfile(installDir);
    expect(ours.map(({ key }) => key).sort()).toEqual(INCLUDED.map((name) => `node_modules/${name}`));
    for (const { key, resolved } of ours) expect(resolved, key).toMatch(/^file:/);
    const names = installedNames(installDir);
    for (const name of INCLUDED) expect(names).toContain(name);
    for (const name of EXCLUDED) expect(names).not.toContain(name);
  });

  it('prints its version and help, listing its plugins and their commands', async () => {
    expect((await distribution(['--version'])).stdout.trim()).toBe('0.1.0');
    const help = await distribution(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('stats');
    expect(help.stdout).toContain('Plugins: @llm-service/adapter-generic-yaml, @llm-service/telemetry');
  });

  it('runs exec through the generic YAML adapter, streaming the answer', async () => {
    const result = await distribution(
      ['exec', '--config-dir', configDir, '--agent', 'writer'],
      'Hello there',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(0);
    const json = await distribution([
      'exec',
      '--config-dir',
      configDir,
      '-a',
      'writer',
      '-p',
      'Second prompt',
      '--json',
    ]);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { tool: string; model: string; costUsd: number };
    expect(parsed).toMatchObject({ tool: 'stand-in', model: 'stand-in-small' });
    expect(parsed.costUsd).toBeGreaterThan(0);
  });

  it('runs the stats command telemetry declares, counting both invocations', async () => {
    const result = await distribution(['stats', '--config-dir', configDir, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.stringify(JSON.parse(result.stdout));
    expect(report).toMatch(/"invocations":2\b/);
    const text = await distribution(['stats', '--config-dir', configDir, '--by', 'tool']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('stand-in');
  });

  it('reports a usage error in one line with exit 2', async () => {
    const result = await distribution(['exec', '--config-dir', configDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('llm-minimal: error: exec needs --agent NAME\n');
    const unknown = await distribution(['policy']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'policy'");
  });
});
