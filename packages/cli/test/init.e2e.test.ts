import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFileNames } from '@llm-service/spec';
import { isolatedHome, runCli, temporaryDir } from './support/cli.js';

const templates = ['quick-start', 'claude-only', 'cost-optimized', 'development'];
const files = Object.values(configFileNames);

describe('llm-service init --template', () => {
  it.each(templates)(
    '%s writes every config file, and `config validate` accepts the result',
    async (template) => {
      const { env } = isolatedHome();
      const dir = join(temporaryDir('init'), 'config');
      const init = await runCli(['init', '--template', template, '--dir', dir], { env });
      expect(init.stderr).toBe('');
      expect(init.code).toBe(0);
      const said = init.stdout.toString();
      for (const file of files) {
        expect(existsSync(join(dir, file))).toBe(true);
        expect(said).toContain(file);
      }
      expect(said).toContain(`(${template})`);

      const validate = await runCli(['config', 'validate', '--config-dir', dir], { env });
      expect(validate.stderr).toBe('');
      expect(validate.code).toBe(0);
      expect(validate.stdout.toString()).toMatch(/^config OK: /);

      const models = readFileSync(join(dir, 'models.yaml'), 'utf8');
      expect(models).toMatch(/^prices_as_of: \d{4}-\d{2}-\d{2}$/m);
      expect(readFileSync(join(dir, 'policies.yaml'), 'utf8')).toMatch(
        /scope: global, period: daily, limit_usd: \d+/,
      );
    },
  );

  it('points every file at its JSON Schema, which init writes beside it', async () => {
    const dir = join(temporaryDir('init'), 'config');
    expect((await runCli(['init', '--template', 'quick-start', '--dir', dir])).code).toBe(0);
    for (const file of files) {
      const firstLine = readFileSync(join(dir, file), 'utf8').split('\n')[0] ?? '';
      const match = /^# yaml-language-server: \$schema=(\.\/\.schemas\/[\w.-]+\.schema\.json)$/.exec(
        firstLine,
      );
      expect(match, `${file}: ${firstLine}`).not.toBeNull();
      const schema = JSON.parse(readFileSync(join(dir, match?.[1] ?? ''), 'utf8')) as Record<string, unknown>;
      expect(schema.type).toBe('object');
    }
  });

  it('never overwrites without --force, and says which files are in the way', async () => {
    const dir = join(temporaryDir('init'), 'config');
    mkdirSync(dir);
    writeFileSync(join(dir, 'agents.yaml'), '# mine\n');
    const refused = await runCli(['init', '--template', 'claude-only', '--dir', dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('already has agents.yaml; nothing was written');
    expect(refused.stderr).toContain(
      'hint: pass --missing-only to write only tools.yaml, models.yaml, policies.yaml, llm-service.yaml; pass --force to overwrite them',
    );
    expect(readFileSync(join(dir, 'agents.yaml'), 'utf8')).toBe('# mine\n');
    expect(existsSync(join(dir, 'tools.yaml'))).toBe(false);

    // The files that are missing, and only those; the directory holds a file nobody reviewed, so it is not trusted.
    const { env } = isolatedHome();
    const completed = await runCli(['init', '--template', 'claude-only', '--dir', dir, '--missing-only'], {
      env,
    });
    expect(completed.code, completed.stderr).toBe(0);
    expect(readFileSync(join(dir, 'agents.yaml'), 'utf8')).toBe('# mine\n');
    expect(readFileSync(join(dir, 'tools.yaml'), 'utf8')).toContain('claude');
    expect(completed.stdout.toString()).toContain('kept, as they were: agents.yaml');
    expect(completed.stdout.toString()).toContain('Not trusted yet');

    const forced = await runCli(['init', '--template', 'claude-only', '--dir', dir, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'agents.yaml'), 'utf8')).toContain('preferred_tool: claude');
  });

  it('suggests the closest template for a typo', async () => {
    const run = await runCli(['init', '--template', 'claude-onyl', '--dir', temporaryDir('init')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown template 'claude-onyl'");
    expect(run.stderr).toContain("did you mean 'claude-only'?");
  });

  it('off a terminal and without --template, explains how to pick one instead of asking', async () => {
    const cwd = temporaryDir('init');
    const run = await runCli(['init'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no --template given');
    expect(run.stderr).toContain('--template quick-start|claude-only|cost-optimized|development');
    expect(existsSync(join(cwd, '.llm-service'))).toBe(false);
  });

  it('writes ./.llm-service by default and trusts it, so the project config runs at once', async () => {
    const { env } = isolatedHome();
    const cwd = temporaryDir('project');
    expect((await runCli(['init', '--template', 'development'], { cwd, env })).code).toBe(0);
    const validate = await runCli(['config', 'validate'], { cwd, env });
    expect(validate.stderr).toBe('');
    expect(validate.stdout.toString()).toContain('7 agents');
  });

  it('documents each template and when to pick it in --help', async () => {
    const help = (await runCli(['init', '--help'])).stdout.toString();
    for (const template of templates) expect(help).toMatch(new RegExp(`\\n  ${template} +\\S`));
    expect(help.match(/pick it when/g)).toHaveLength(templates.length);
  });
});
