/**
 * `@llm-service/cli` as a library (README, "Library"): the built entry `dist/index.mjs`, imported by a separate Node
 * process as a program would, gives with `createDefaultKernel` what the binary runs with. The quick-start's config
 * (its stand-in tool) answers; a hard budget in policies.yaml blocks, so the policy plugin is loaded; telemetry
 * records; a project config is refused until trusted; and the library writes nothing to stdout or stderr itself.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  isolatedHome,
  quickStartDir,
  repoRoot,
  standInPath,
  temporaryDir,
} from './support/cli.js';

const entry = join(repoRoot, 'packages/cli/dist/index.mjs');
const specEntry = join(repoRoot, 'packages/spec/dist/index.js');

/** What the child process reports on stdout, as JSON, and nothing else. */
interface LibraryRun {
  exports: string[];
  plugins: string[];
  builtin: string[];
  reporter: boolean;
  streamed: string;
  answer: { text: string; agent: string; tool: string; costUsd: number };
  blocked: { code: string; exitCode: number; message: string };
  budgets: { scope: string; mode: string; limitUsd: number; spentUsd: number | null }[];
  recorded: number;
  untrusted: { code: string; exitCode: number; message: string };
}

/** The program under test: plain Node, importing the built entry by its path. */
const program = `
const input = JSON.parse(process.env.LIBRARY_TEST_INPUT);
const cli = await import(input.entry);
const { BudgetReporterToken, TelemetryQueryToken } = await import(input.specEntry);
const { createDefaultKernel } = cli;
const caught = (promise) =>
  promise.then(
    () => { throw new Error('expected a rejection'); },
    (error) => ({ code: error.code, exitCode: error.exitCode, message: error.message }),
  );

const kernel = createDefaultKernel({ configDir: input.configDir, cwd: input.cwd, env: input.env });
let streamed = '';
let report;
try {
  const plugins = (await kernel.plugins()).map((plugin) => plugin.name);
  const reporter = await kernel.service(BudgetReporterToken);
  const answer = await kernel.exec(
    { agent: 'architect', prompt: 'Review this design' },
    { onText: (text) => (streamed += text) },
  );
  const blocked = await caught(kernel.exec({ agent: 'writer', prompt: 'Draft the release notes' }));
  const budgets = (await reporter.report()).budgets.map(({ scope, mode, limitUsd, spentUsd }) => ({
    scope, mode, limitUsd, spentUsd,
  }));
  const recorded = (await (await kernel.service(TelemetryQueryToken)).invocations({})).length;
  report = {
    exports: Object.keys(cli).sort(),
    plugins,
    builtin: cli.builtinPlugins.map((plugin) => plugin.name),
    reporter: reporter !== undefined,
    streamed,
    answer: { text: answer.text, agent: answer.agent, tool: answer.tool, costUsd: answer.costUsd },
    blocked,
    budgets,
    recorded,
  };
} finally {
  await kernel.dispose();
}
// A config found in a project directory runs only once trusted, as with the binary.
const project = createDefaultKernel({ cwd: input.projectDir, env: input.env });
report.untrusted = await caught(project.config());
await project.dispose();
process.stdout.write(JSON.stringify(report));
`;

function runLibrary(
  input: Record<string, unknown>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', program], {
      cwd: String(input.cwd),
      env: { PATH: process.env.PATH ?? '', LIBRARY_TEST_INPUT: JSON.stringify(input) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The chunks `dist/index.mjs` imports statically (what importing the package loads), with their text. */
function staticGraph(file: string, seen = new Map<string, string>()): Map<string, string> {
  if (seen.has(file)) return seen;
  const text = readFileSync(file, 'utf8');
  seen.set(file, text);
  for (const [, specifier] of text.matchAll(/^import\s+(?:[^'";]*?\s+from\s+)?["'](\.[^"']+)["']/gm))
    staticGraph(join(dirname(file), specifier!), seen);
  return seen;
}

describe('createDefaultKernel from the built @llm-service/cli', () => {
  let workDir: string;
  let home: string;
  let run: { code: number | null; stdout: string; stderr: string };
  let result: LibraryRun;

  beforeAll(async () => {
    assertBuilt();
    workDir = temporaryDir('library');
    const isolated = isolatedHome();
    home = isolated.home;
    // The quick-start's tools.yaml names the stand-in by a path relative to the config: copy both, side by side.
    const configDir = join(workDir, 'examples', 'quick-start');
    cpSync(quickStartDir, configDir, { recursive: true });
    cpSync(dirname(standInPath), join(workDir, 'examples', 'stand-in-llm'), { recursive: true });
    writeFileSync(
      join(configDir, 'policies.yaml'),
      'version: 1\nbudgets:\n  - { scope: agent:writer, period: monthly, limit_usd: 0.000001, mode: hard }\n',
    );
    // The same files as a project's config, found from the working directory and never trusted.
    const projectDir = join(workDir, 'project');
    mkdirSync(projectDir);
    cpSync(configDir, join(projectDir, '.llm-service'), { recursive: true });
    run = await runLibrary({
      entry: pathToFileURL(entry).href,
      specEntry: pathToFileURL(specEntry).href,
      configDir,
      cwd: workDir,
      projectDir,
      env: isolated.env,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    result = JSON.parse(run.stdout) as LibraryRun;
  }, 60_000);

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('exports the library API, and importing it loads neither the command line nor its side effects', () => {
    expect(result.exports).toEqual([
      'builtinPlugins',
      'createDefaultKernel',
      'loadProgram',
      'main',
      'processIo',
      'toJsonResult',
    ]);
    const loaded = [...staticGraph(entry).values()].join('\n');
    expect(loaded).toContain('createDefaultKernel');
    // commander, the CLI's error reporting and its zod setting live in chunks loaded only by main() / loadProgram().
    expect(loaded).not.toContain('class CommanderError');
    expect(loaded).not.toContain('llm-service: internal error:');
    expect(loaded).not.toContain('jitless: true');
  });

  it('loads the same plugins as the binary, the policy plugin among them', () => {
    expect(result.plugins).toEqual(result.builtin);
    expect(result.plugins).toEqual([
      '@llm-service/adapter-generic-yaml',
      '@llm-service/adapter-claude',
      '@llm-service/adapter-codex',
      '@llm-service/adapter-gemini',
      '@llm-service/adapter-openai',
      '@llm-service/policy',
      '@llm-service/telemetry',
      '@llm-service/dashboard',
      '@llm-service/tasks',
    ]);
    expect(result.reporter).toBe(true);
  });

  it("answers with the quick-start's stand-in tool, streaming the text, and records it", () => {
    expect(result.answer).toMatchObject({ agent: 'architect', tool: 'stand-in' });
    expect(result.answer.text).toContain('Stand-in answer');
    expect(result.streamed).toBe(result.answer.text);
    expect(result.answer.costUsd).toBeGreaterThan(0);
    expect(result.recorded).toBeGreaterThanOrEqual(2);
  });

  it("enforces policies.yaml's hard budget with exit code 3", () => {
    expect(result.blocked).toMatchObject({ code: 'E_POLICY_BLOCKED', exitCode: 3 });
    expect(result.blocked.message).toContain("hard monthly budget 'agent:writer' would be exceeded");
    expect(result.budgets).toEqual([
      { scope: 'agent:writer', mode: 'hard', limitUsd: 0.000001, spentUsd: 0 },
    ]);
  });

  it('refuses a project config that is not trusted, as the binary does', () => {
    expect(result.untrusted).toMatchObject({ code: 'E_CONFIG_UNTRUSTED', exitCode: 2 });
    expect(result.untrusted.message).toContain('is not trusted yet');
  });
});
