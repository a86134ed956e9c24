import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLUGIN_API_VERSION } from '@llm-service/spec';
import { binPath, isolatedHome, runCli, temporaryDir, waitFor, writeConfig } from './support/cli.js';

const agents = '  writer:\n    preferred_tool: stand-in\n';

/** A third-party plugin as users write it: a plain module, named by relative path in llm-service.yaml. */
function recorderPlugin(
  logFile: string,
  options: { throwInSubscriber?: boolean; apiVersion?: string } = {},
): string {
  return `import { appendFileSync } from 'node:fs';
const log = (line) => appendFileSync(${JSON.stringify(logFile)}, line + '\\n');
export default {
  name: 'recorder-plugin',
  version: '1.0.0',
  apiVersion: ${JSON.stringify(options.apiVersion ?? '^1.0.0')},
  register(ctx) {
    log('registered');
    ctx.events.subscribe('recorder', (event) => {
      ${options.throwInSubscriber ? "if (event.type === 'invocation.started') throw new Error('subscriber exploded');" : ''}
      log(event.type);
    });
  },
  dispose() { log('disposed'); },
};
`;
}

function configWithPlugin(pluginSource: string): { dir: string } {
  const dir = writeConfig(temporaryDir('plugin-config'), {
    tools: { 'stand-in': { env: { STAND_IN_DELAY_MS: '0' } } },
    agents,
    extraFiles: { 'llm-service.yaml': 'version: 1\nplugins: ["./plugins/recorder.mjs"]\n' },
  });
  mkdirSync(join(dir, 'plugins'));
  writeFileSync(join(dir, 'plugins/recorder.mjs'), pluginSource);
  return { dir };
}

describe('plugins named in llm-service.yaml', () => {
  it('load from a path relative to the config dir, see every event, and are disposed on exit', async () => {
    const logFile = join(temporaryDir('log'), 'events.log');
    const { dir } = configWithPlugin(recorderPlugin(logFile));
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'writer', '-p', 'hello']);
    expect(run.code).toBe(0);
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('registered');
    expect(lines).toEqual(
      expect.arrayContaining([
        'request.received',
        'route.planned',
        'invocation.started',
        'invocation.output',
        'invocation.succeeded',
        'request.completed',
      ]),
    );
    expect(lines[lines.length - 1]).toBe('disposed');
    const plugins = await runCli(['plugins', '--config-dir', dir]);
    expect(plugins.stdout.toString()).toContain('recorder-plugin@1.0.0');
    expect(plugins.stdout.toString()).toContain('@llm-service/adapter-generic-yaml');
  });

  it('load on a second start too, when the CLI runs from its code cache', async () => {
    const logFile = join(temporaryDir('log'), 'events.log');
    const { dir } = configWithPlugin(recorderPlugin(logFile));
    const { env, home } = isolatedHome();
    for (const run of [1, 2]) {
      const result = await runCli(['exec', '--config-dir', dir, '-a', 'writer', '-p', `run ${run}`], { env });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    expect(existsSync(join(home, '.cache/llm-service/compile-cache'))).toBe(true);
    expect(readFileSync(logFile, 'utf8').match(/^registered$/gm)).toHaveLength(2);
  });

  it('are disposed on SIGINT too', async () => {
    const logFile = join(temporaryDir('log'), 'events.log');
    const dir = writeConfig(temporaryDir('plugin-config'), {
      tools: { 'stand-in': { env: { STAND_IN_DELAY_MS: '60000' } } },
      agents,
      extraFiles: { 'llm-service.yaml': 'version: 1\nplugins: ["./recorder.mjs"]\n' },
    });
    writeFileSync(join(dir, 'recorder.mjs'), recorderPlugin(logFile));
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'writer', '-p', 'hello'], {
      onSpawn: (child) => {
        void waitFor(
          () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('invocation.started'),
        ).then(() => child.kill('SIGINT'));
      },
    });
    expect(run.code).toBe(130);
    expect(readFileSync(logFile, 'utf8').trim().split('\n').slice(-1)[0]).toBe('disposed');
  });

  it('a subscriber that throws is reported once, removed, and the request still succeeds', async () => {
    const logFile = join(temporaryDir('log'), 'events.log');
    const { dir } = configWithPlugin(recorderPlugin(logFile, { throwInSubscriber: true }));
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'writer', '-p', 'hello']);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toContain('Stand-in answer');
    expect(run.stderr.match(/subscriber exploded/g)).toHaveLength(1);
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    expect(lines).not.toContain('invocation.succeeded');
  });

  it('an apiVersion the core does not satisfy is refused with one line naming the plugin', async () => {
    const logFile = join(temporaryDir('log'), 'events.log');
    const { dir } = configWithPlugin(recorderPlugin(logFile, { apiVersion: '^2.0.0' }));
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'writer', '-p', 'hello']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `plugin recorder-plugin: needs plugin API ^2.0.0, but this core provides ${PLUGIN_API_VERSION}`,
    );
  });

  it('a plugin path that does not exist is a clear error', async () => {
    const dir = writeConfig(temporaryDir('plugin-config'), {
      tools: { 'stand-in': {} },
      agents,
      extraFiles: { 'llm-service.yaml': 'version: 1\nplugins: ["./missing.mjs", "@acme/not-installed"]\n' },
    });
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'writer', '-p', 'hello']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('plugin ./missing.mjs: failed to load');
    // The error names the file and line that names the plugin.
    expect(run.stderr).toMatch(/\(named at [^\n]*llm-service\.yaml:2:\d+\)/);
  });

  it('a plugin package that is not installed names where it is named', async () => {
    const dir = writeConfig(temporaryDir('plugin-config'), {
      tools: { 'stand-in': {} },
      agents,
      extraFiles: { 'llm-service.yaml': 'version: 1\nplugins:\n  - "@acme/not-installed"\n' },
    });
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'writer', '-p', 'hello']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /plugin @acme\/not-installed: cannot be found from .* \(named at [^\n]*llm-service\.yaml:3:5\)/,
    );
  });
});

describe('config commands', () => {
  it('validate reports every problem with file, line and field, and exits 2', async () => {
    const dir = writeConfig(temporaryDir('broken'), {
      tools: { 'stand-in': {} },
      agents: '  writer:\n    preferred_tool: stand-inn\n    prefered_model: model-a\n',
    });
    const run = await runCli(['config', 'validate', '--config-dir', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('invalid configuration (2 problems)');
    expect(run.stderr).toMatch(
      /agents\.yaml:5:5: agents\.writer\.prefered_model: unknown field 'prefered_model'; did you mean 'preferred_model'\?/,
    );
    const ok = await runCli([
      'config',
      'validate',
      '--config-dir',
      writeConfig(temporaryDir('ok'), { tools: { 'stand-in': {} }, agents }),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.toString()).toContain('config OK');
  });

  it('show prints ${VAR} references, never their values, and a password written in a URL redacted', async () => {
    const dir = writeConfig(temporaryDir('show'), {
      tools: { 'stand-in': { env: { API_TOKEN: '${SECRET_TOKEN}' } } },
      agents,
      extraFiles: {
        'llm-service.yaml': 'version: 1\ntelemetry:\n  url: postgresql://team:pg-s3cret@db:5432/telemetry\n',
      },
    });
    const { env } = isolatedHome();
    const run = await runCli(['config', 'show', '--config-dir', dir], {
      env: { ...env, SECRET_TOKEN: 'sk-very-secret' },
    });
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toContain('${SECRET_TOKEN}');
    expect(run.stdout.toString()).not.toContain('sk-very-secret');
    expect(run.stdout.toString()).toContain('postgresql://team:');
    expect(run.stdout.toString()).not.toContain('pg-s3cret');
  });

  it('a project config runs only once trusted, and again needs trust after a change', async () => {
    const project = temporaryDir('project');
    const configDir = writeConfig(join(project, '.llm-service'), { tools: { 'stand-in': {} }, agents });
    const { env } = isolatedHome();
    const nested = join(project, 'src', 'deep');
    mkdirSync(nested, { recursive: true });
    const untrusted = await runCli(['exec', '-a', 'writer', '-p', 'hi'], { cwd: nested, env });
    expect(untrusted.code).toBe(2);
    expect(untrusted.stderr).toContain('is not trusted yet');
    expect(untrusted.stderr).toContain('llm-service config trust');

    const trust = await runCli(['config', 'trust'], { cwd: nested, env });
    expect(trust.code).toBe(0);
    expect(trust.stdout.toString()).toContain(`trusted ${configDir}`);
    expect((await runCli(['exec', '-a', 'writer', '-p', 'hi'], { cwd: nested, env })).code).toBe(0);

    appendFileSync(join(configDir, 'agents.yaml'), '  other:\n    preferred_tool: stand-in\n');
    const changed = await runCli(['exec', '-a', 'writer', '-p', 'hi'], { cwd: nested, env });
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain('has changed since it was trusted');
  });

  it('ten `config trust` runs at once each record their entry in the one trust store', async () => {
    const { env } = isolatedHome();
    const projects = Array.from({ length: 10 }, (_, index) => {
      const project = temporaryDir(`trust-${index}`);
      writeConfig(join(project, '.llm-service'), { tools: { 'stand-in': {} }, agents });
      return project;
    });
    const runs = await Promise.all(projects.map((cwd) => runCli(['config', 'trust'], { cwd, env })));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const store = JSON.parse(readFileSync(join(env.XDG_DATA_HOME!, 'llm-service', 'trust.json'), 'utf8')) as {
      trusted: Record<string, unknown>;
    };
    expect(Object.keys(store.trusted)).toHaveLength(10);
    // Every project now runs, so each entry holds its own config's hash.
    const execs = await Promise.all(
      projects.map((cwd) => runCli(['exec', '-a', 'writer', '-p', 'hi'], { cwd, env })),
    );
    for (const exec of execs) expect(exec.code, exec.stderr).toBe(0);
  });

  it('`config show | head -3` ends quietly when the reader goes away, with no EPIPE stack trace', async () => {
    const many = Array.from(
      { length: 5000 },
      (_, index) => `  agent${index}:\n    preferred_tool: stand-in\n`,
    );
    const dir = writeConfig(temporaryDir('epipe'), {
      tools: { 'stand-in': {} },
      agents: agents + many.join(''),
    });
    const { env } = isolatedHome();
    const child = spawn(process.execPath, [binPath, 'config', 'show', '--config-dir', dir], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Read the first chunk, then close the pipe as `head` does once it has its lines.
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = (await once(child, 'close')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('--help shows examples and exit codes; --version prints the version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.toString()).toContain('Examples:');
    expect(help.stdout.toString()).toContain('130 interrupted');
    const version = await runCli(['--version']);
    expect(version.stdout.toString()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
