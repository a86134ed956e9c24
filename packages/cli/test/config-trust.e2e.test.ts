import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedHome, runCli, temporaryDir, writeConfig } from './support/cli.js';

/**
 * `config validate` and `config trust` on a project config (`./.llm-service/` found from the working directory), as a
 * user meets them in a fresh clone: each test has its own HOME and XDG directories, so its own trust store.
 */

const agents = '  writer:\n    preferred_tool: stand-in\n';

function project(agentsYaml = agents): { cwd: string; dir: string } {
  const cwd = temporaryDir('trust-project');
  const dir = writeConfig(join(cwd, '.llm-service'), { tools: { 'stand-in': {} }, agents: agentsYaml });
  return { cwd, dir };
}

/** A plugin module that leaves a mark when it is imported, so a test can tell whether it ran. */
function localPlugin(dir: string, marker: string): void {
  mkdirSync(join(dir, 'plugins'), { recursive: true });
  writeFileSync(
    join(dir, 'plugins', 'audit.mjs'),
    `import { writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(marker)}, 'imported');
export default { name: 'audit', version: '1.0.0', apiVersion: '^1.0.0', register() {} };
`,
  );
}

const trustStore = (env: Record<string, string>) =>
  join(env.XDG_DATA_HOME ?? '', 'llm-service', 'trust.json');

describe('config validate on a project config not trusted yet', () => {
  it('checks the core files without trusting them and reports a problem at file:line, exit 2', async () => {
    const { cwd } = project('  writer:\n    preferred_tool: stand-inn\n');
    const { env } = isolatedHome();
    const run = await runCli(['config', 'validate'], { cwd, env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "  .llm-service/agents.yaml:4:21: agents.writer.preferred_tool: unknown tool 'stand-inn'; did you mean 'stand-in'?",
    );
    expect(run.stderr).toMatch(
      /llm-service: warning: the project config \S+ is not trusted yet: it was checked/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(trustStore(env))).toBe(false);
  });

  it('passes a valid one with exit 0, saying on stderr that it runs only once trusted', async () => {
    const { cwd, dir } = project();
    const { env } = isolatedHome();
    const run = await runCli(['config', 'validate'], { cwd, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.toString()).toMatch(/^config OK: .*\(1 agents, 1 tools, 3 models; 9 plugins\)\n$/);
    expect(run.stderr).toBe(
      `llm-service: warning: the project config ${dir} is not trusted yet: it was checked without running any of its code, and runs only once trusted\n` +
        `  hint: review it, then run \`llm-service config trust --config-dir ${dir}\`\n`,
    );
  });

  it('does not load a local plugin, and lists it and the parts it may own as not checked until trusted', async () => {
    const { cwd, dir } = project();
    const marker = join(cwd, 'plugin-was-imported');
    localPlugin(dir, marker);
    writeFileSync(
      join(dir, 'llm-service.yaml'),
      'version: 1\nplugins: ["./plugins/audit.mjs"]\naudit:\n  level: strict\n',
    );
    const { env } = isolatedHome();
    const run = await runCli(['config', 'validate'], { cwd, env });
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(run.stdout.toString()).toContain('9 plugins, 1 not loaded until trusted)');
    expect(run.stderr).toContain(
      'is not trusted yet, so it was checked without running any of its code; not checked until it is trusted:\n' +
        '  .llm-service/llm-service.yaml:2:11: plugins.0: plugin ./plugins/audit.mjs: not loaded, as it is code the config runs; nor its sections, adapters and checks\n' +
        '  .llm-service/llm-service.yaml:3:1: audit: a section no built-in plugin reads\n' +
        `  hint: review it, then run \`llm-service config trust --config-dir ${dir}\` and validate again to check these too\n`,
    );

    // Once trusted, validate loads the plugin and checks everything: this plugin reads no `audit:` section.
    expect((await runCli(['config', 'trust'], { cwd, env })).code).toBe(0);
    const trusted = await runCli(['config', 'validate'], { cwd, env });
    expect(existsSync(marker)).toBe(true);
    expect(trusted.code).toBe(2);
    expect(trusted.stderr).toContain(".llm-service/llm-service.yaml:3:1: audit: unknown field 'audit'");
  });
});

describe('trusting a project config again after a change', () => {
  it('names the changed files when refusing to run, in validate, and in config trust', async () => {
    const { cwd, dir } = project();
    writeFileSync(join(dir, 'helper.js'), 'export const mode = "safe";\n');
    const { env } = isolatedHome();
    expect((await runCli(['config', 'trust'], { cwd, env })).code).toBe(0);
    expect((await runCli(['route', '-a', 'writer'], { cwd, env })).code).toBe(0);

    writeFileSync(
      join(dir, 'agents.yaml'),
      `version: 1\nagents:\n${agents}  other:\n    preferred_tool: stand-in\n`,
    );
    rmSync(join(dir, 'helper.js'));
    mkdirSync(join(dir, 'plugins'));
    writeFileSync(join(dir, 'plugins', 'new.mjs'), 'export default {};\n');

    const refused = await runCli(['route', '-a', 'writer'], { cwd, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `llm-service: error: the project config ${dir} has changed since it was trusted ` +
        '(modified: agents.yaml; added: plugins/new.mjs; removed: helper.js); it can name plugins and programs to run\n' +
        '  hint: review those files (`llm-service config validate` lists every change and checks the config without running it), ' +
        `then run \`llm-service config trust --config-dir ${dir}\`\n`,
    );

    const validate = await runCli(['config', 'validate'], { cwd, env });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stderr).toContain(
      'has changed since it was trusted (modified: agents.yaml; added: plugins/new.mjs; removed: helper.js): it was checked',
    );

    const trust = await runCli(['config', 'trust'], { cwd, env });
    expect(trust.code).toBe(0);
    expect(trust.stdout.toString()).toMatch(
      new RegExp(
        `^trusted ${dir} \\(sha256 [0-9a-f]{12}\\); editing its files needs trusting again\\n` +
          'changed since it was last trusted \\(\\S+\\):\\n' +
          '  modified  agents.yaml\\n  added     plugins/new.mjs\\n  removed   helper.js\\n$',
      ),
    );
    expect((await runCli(['route', '-a', 'writer'], { cwd, env })).code).toBe(0);
    const again = await runCli(['config', 'trust'], { cwd, env });
    expect(again.stdout.toString()).toContain('nothing changed since it was trusted');
  });

  it('honours a trust record of the older format, and says it cannot tell which files changed', async () => {
    const { cwd, dir } = project();
    const { env } = isolatedHome();
    expect((await runCli(['config', 'trust'], { cwd, env })).code).toBe(0);
    // The store as an llm-service before per-file digests wrote it, with another project's entry beside it.
    const store = JSON.parse(readFileSync(trustStore(env), 'utf8')) as {
      trusted: Record<string, { sha256: string; trustedAt: string; files?: unknown }>;
    };
    const entry = store.trusted[dir];
    if (!entry) throw new Error(`no trust entry for ${dir}`);
    const old = {
      version: 1,
      trusted: {
        [dir]: { sha256: entry.sha256, trustedAt: entry.trustedAt },
        '/elsewhere/.llm-service': { sha256: 'a'.repeat(64), trustedAt: '2025-01-01T00:00:00.000Z' },
      },
    };
    writeFileSync(trustStore(env), `${JSON.stringify(old, null, 2)}\n`);

    const run = await runCli(['route', '-a', 'writer'], { cwd, env });
    expect(run.code, run.stderr).toBe(0);
    const validate = await runCli(['config', 'validate'], { cwd, env });
    expect(validate.code).toBe(0);
    expect(validate.stderr).toBe('');

    writeFileSync(join(dir, 'agents.yaml'), `version: 1\nagents:\n${agents}# reviewed\n`);
    const refused = await runCli(['route', '-a', 'writer'], { cwd, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'has changed since it was trusted (which files changed is not known: it was trusted by an earlier version of llm-service)',
    );
    const trust = await runCli(['config', 'trust'], { cwd, env });
    expect(trust.code).toBe(0);
    expect(trust.stdout.toString()).toContain('which files changed is not known');

    const rewritten = JSON.parse(readFileSync(trustStore(env), 'utf8')) as typeof store;
    expect(rewritten.trusted['/elsewhere/.llm-service']).toEqual(old.trusted['/elsewhere/.llm-service']);
    expect(Object.keys(rewritten.trusted[dir]?.files ?? {})).toContain('file:agents.yaml');
    expect((await runCli(['route', '-a', 'writer'], { cwd, env })).code).toBe(0);
  });
});
