import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, temporaryDir } from './support/cli.js';

type Schema = Record<string, unknown> & {
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
};

const readSchema = (dir: string, name: string) =>
  JSON.parse(readFileSync(join(dir, `${name}.schema.json`), 'utf8')) as Schema;

// A plugin named by relative path must resolve @llm-service/core: its config lives inside the workspace.
const insideWorkspace = mkdtempSync(join(repoRoot, 'packages/cli/test/.tmp-schema-'));
afterAll(() => rmSync(insideWorkspace, { recursive: true, force: true }));

describe('llm-service config schema', () => {
  it('writes a draft-07 JSON Schema per config file from the zod schemas of core and the built-in plugins', async () => {
    const config = join(temporaryDir('schema'), 'config');
    expect((await runCli(['init', '--template', 'claude-only', '--dir', config])).code).toBe(0);
    const out = temporaryDir('schemas');
    const run = await runCli(['config', 'schema', '--config-dir', config, '--dir', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'agents.schema.json',
      'llm-service.schema.json',
      'models.schema.json',
      'policies.schema.json',
      'tools.schema.json',
    ]);
    expect(run.stdout.toString()).toContain('yaml-language-server: $schema=');

    const agents = readSchema(out, 'agents');
    expect(agents.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(agents.additionalProperties).toBe(false);
    const agent = agents.properties?.agents?.additionalProperties as Schema;
    expect(Object.keys(agent.properties ?? {})).toEqual(
      expect.arrayContaining([
        'preferred_tool',
        'preferred_model',
        'fallback_chain',
        'task_types',
        'adapter_options',
      ]),
    );
    // The claude adapter's agent options come from its plugin.
    const options = agent.properties?.adapter_options?.properties?.claude as Schema;
    expect(Object.keys(options.properties ?? {})).toContain('permission_mode');

    const tools = JSON.stringify(readSchema(out, 'tools'));
    expect(tools).toContain('"prompt_via"'); // generic-yaml
    expect(tools).toContain('"same_tool"'); // claude's retry
    expect(JSON.stringify(readSchema(out, 'policies'))).toContain('"limit_usd"'); // the policy plugin's file
    expect(JSON.stringify(readSchema(out, 'llm-service'))).toContain('"capture_content"'); // telemetry's section
  });

  it('includes the schemas of plugins the config names', async () => {
    const config = join(insideWorkspace, 'config');
    mkdirSync(join(config, 'plugins'), { recursive: true });
    expect((await runCli(['init', '--template', 'claude-only', '--dir', config, '--force'])).code).toBe(0);
    writeFileSync(
      join(config, 'plugins/audit.mjs'),
      `import { z } from '@llm-service/spec';
export default {
  name: 'audit-plugin', version: '1.0.0', apiVersion: '^1.0.0',
  configSchema: { sections: { audit: z.strictObject({ log_file: z.string(), keep_days: z.number().int().optional() }) } },
  register() {},
};
`,
    );
    writeFileSync(join(config, 'llm-service.yaml'), 'version: 1\nplugins: ["./plugins/audit.mjs"]\n');
    const out = join(insideWorkspace, 'schemas');
    const run = await runCli(['config', 'schema', '--config-dir', config, '--dir', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const audit = readSchema(out, 'llm-service').properties?.audit;
    expect(audit?.required).toEqual(['log_file']);
    expect(Object.keys(audit?.properties ?? {})).toEqual(['log_file', 'keep_days']);
  });
});
