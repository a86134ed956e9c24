import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { definePlugin, formatConfigIssue, z } from '@llm-service/spec';
import { readConfigSources } from '@llm-service/config';
import { checkConfigWithoutCode } from './check-without-code.js';

/** Stands in for a distribution's built-in plugins: an adapter, a section, a file. */
const builtin = definePlugin({
  name: '@llm-service/builtin',
  version: '1.0.0',
  apiVersion: '^1.0.0',
  register() {},
  configSchema: {
    tools: { 'generic-yaml': z.strictObject({ args: z.array(z.string()).default([]) }) },
    sections: { telemetry: z.strictObject({ capture_content: z.boolean().default(false) }) },
    files: { 'policies.yaml': z.strictObject({ version: z.literal(1) }) },
  },
});

let root: string;
let dir: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'llm-service-untrusted-')));
  dir = join(root, '.llm-service');
  mkdirSync(dir);
  writeFileSync(join(dir, 'agents.yaml'), 'version: 1\nagents:\n  writer: { preferred_tool: local }\n');
  writeFileSync(
    join(dir, 'tools.yaml'),
    'version: 1\ntools:\n  local: { binary: llm, models: [m] }\n  audited: { adapter: audit, binary: audit, models: [m], depth: 3 }\n',
  );
  writeFileSync(
    join(dir, 'models.yaml'),
    'version: 1\nmodels:\n  m: { input_per_mtok: 1, output_per_mtok: 2 }\n',
  );
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const check = (env: Record<string, string> = {}) =>
  checkConfigWithoutCode(readConfigSources(dir, 'project', root), [builtin], env);

/** A plugin module that leaves a mark when it is imported, so a test can tell it never ran. */
function localPlugin(name = 'audit.mjs'): string {
  mkdirSync(join(dir, 'plugins'), { recursive: true });
  const marker = join(root, 'imported');
  writeFileSync(
    join(dir, 'plugins', name),
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default {};\n`,
  );
  return marker;
}

describe('checkConfigWithoutCode', () => {
  it('without plugins of its own, checks everything: an adapter no built-in plugin provides is a problem', async () => {
    const result = await check();
    expect(result.unchecked).toEqual([]);
    expect(result.config).toBeUndefined();
    expect(result.problems.map(formatConfigIssue)).toEqual([
      expect.stringMatching(
        /^\.llm-service\/tools\.yaml:4:23: tools\.audited\.adapter: unknown adapter 'audit'/,
      ),
    ]);
  });

  it('lists what a local plugin may own as unchecked, checks the rest, and never imports the plugin', async () => {
    const marker = localPlugin();
    writeFileSync(
      join(dir, 'llm-service.yaml'),
      'version: 1\nplugins: ["./plugins/audit.mjs"]\naudit: { level: 2 }\n',
    );
    writeFileSync(join(dir, 'audit.yaml'), 'rules: []\n');
    writeFileSync(
      join(dir, 'agents.yaml'),
      'version: 1\nagents:\n  writer:\n    preferred_tool: local\n    adapter_options:\n      audit: { strict: true }\n',
    );
    const result = await check();
    expect(existsSync(marker)).toBe(false);
    expect(result.problems).toEqual([]);
    expect(result.config?.tools.audited?.binary).toBe('audit');
    expect(result.notLoaded).toEqual([
      { specifier: './plugins/audit.mjs', where: '.llm-service/llm-service.yaml:2:11' },
    ]);
    expect(result.unchecked.map(formatConfigIssue)).toEqual([
      ".llm-service/agents.yaml:6:7: agents.writer.adapter_options.audit: options for adapter 'audit' (no built-in plugin provides it)",
      '.llm-service/audit.yaml:1:1: a file no built-in plugin reads',
      '.llm-service/llm-service.yaml:2:11: plugins.0: plugin ./plugins/audit.mjs: not loaded, as it is code the config runs; nor its sections, adapters and checks',
      '.llm-service/llm-service.yaml:3:1: audit: a section no built-in plugin reads',
      ".llm-service/tools.yaml:4:23: tools.audited.adapter: the fields adapter 'audit' adds (no built-in plugin provides it)",
    ]);
  });

  it('still reports problems in the core files and the built-in parts, at their lines', async () => {
    localPlugin();
    writeFileSync(
      join(dir, 'llm-service.yaml'),
      'version: 1\nplugins: ["./plugins/audit.mjs"]\ntelemetry: { capture_contnet: true }\n',
    );
    writeFileSync(join(dir, 'agents.yaml'), 'version: 1\nagents:\n  writer: { preferred_tool: locl }\n');
    writeFileSync(
      join(dir, 'tools.yaml'),
      'version: 1\ntools:\n  local: { binary: llm, models: [m], depth: 3 }\n',
    );
    const result = await check();
    expect(result.problems.map(formatConfigIssue)).toEqual([
      expect.stringMatching(
        /^\.llm-service\/agents\.yaml:3:29: agents\.writer\.preferred_tool: unknown tool 'locl'/,
      ),
      expect.stringMatching(
        /^\.llm-service\/llm-service\.yaml:3:14: telemetry\.capture_contnet: unknown field/,
      ),
      expect.stringMatching(/^\.llm-service\/tools\.yaml:3:38: tools\.local\.depth: unknown field/),
    ]);
  });

  it('reports a plugin path that does not exist and a package that cannot be found, where they are named', async () => {
    writeFileSync(
      join(dir, 'llm-service.yaml'),
      'version: 1\nplugins:\n  - ./plugins/missing.mjs\n  - llm-service-plugin-not-installed\n',
    );
    const result = await check();
    expect(result.problems.map(formatConfigIssue)).toEqual([
      '.llm-service/llm-service.yaml:3:5: plugins.0: plugin ./plugins/missing.mjs does not exist; fix the path (relative to .llm-service) or remove the entry',
      '.llm-service/llm-service.yaml:4:5: plugins.1: plugin llm-service-plugin-not-installed cannot be found from .llm-service; install it there (npm install llm-service-plugin-not-installed) or fix the name',
    ]);
    expect(result.unchecked.some((part) => part.path.startsWith('plugins.'))).toBe(false);
  });

  it('takes a built-in plugin named again in plugins: as the one loaded', async () => {
    writeFileSync(join(dir, 'llm-service.yaml'), 'version: 1\nplugins: ["@llm-service/builtin"]\n');
    writeFileSync(join(dir, 'tools.yaml'), 'version: 1\ntools:\n  local: { binary: llm, models: [m] }\n');
    const result = await check();
    expect(result.notLoaded).toEqual([]);
    expect(result.unchecked).toEqual([]);
    expect(result.problems).toEqual([]);
  });
});
