import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapterErrorKinds, ExitCode } from '@llm-service/spec';
import { repoRoot, runCli, temporaryDir } from './support/cli.js';

const doc = (name: string) => readFileSync(join(repoRoot, 'docs', name), 'utf8');

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
}

/** Every field path a schema allows, as configuration.md writes them: `agents.<name>.preferred_tool`, `budgets[].scope`. */
function fieldPaths(schema: JsonSchema, path = '', into = new Set<string>()): Set<string> {
  for (const [key, value] of Object.entries(schema.properties ?? {})) {
    const child = path ? `${path}.${key}` : key;
    into.add(child);
    fieldPaths(value, child, into);
  }
  if (typeof schema.additionalProperties === 'object')
    fieldPaths(schema.additionalProperties, `${path}.<name>`, into);
  for (const variant of schema.anyOf ?? []) fieldPaths(variant, path, into);
  if (schema.items) fieldPaths(schema.items, `${path}[]`, into);
  return into;
}

/** The first-column fields of the tables under `## <file>`. */
function documentedFields(markdown: string, file: string): Set<string> {
  const section = markdown.split(/^## /m).find((part) => part.startsWith(file)) ?? '';
  return new Set([...section.matchAll(/^\| `([^`]+)` +\|/gm)].map((match) => match[1] ?? ''));
}

describe('docs', () => {
  it('configuration.md documents every field of every config file, and no field the schemas lack', async () => {
    const config = join(temporaryDir('docs'), 'config');
    expect((await runCli(['init', '--template', 'quick-start', '--dir', config])).code).toBe(0);
    const out = temporaryDir('schemas');
    expect((await runCli(['config', 'schema', '--config-dir', config, '--dir', out])).code).toBe(0);
    const markdown = doc('configuration.md');
    for (const file of ['agents.yaml', 'tools.yaml', 'models.yaml', 'policies.yaml', 'llm-service.yaml']) {
      const schema = JSON.parse(
        readFileSync(join(out, file.replace('.yaml', '.schema.json')), 'utf8'),
      ) as JsonSchema;
      const fields = [...fieldPaths(schema)].sort();
      const documented = [...documentedFields(markdown, file)].sort();
      expect(documented, `the fields of ${file}`).toEqual(fields);
    }
  });

  it('troubleshooting.md covers every exit code and every adapter error kind', () => {
    const markdown = doc('troubleshooting.md');
    for (const code of Object.values(ExitCode))
      expect(markdown).toMatch(new RegExp(`^\\| ${code} +\\|`, 'm'));
    for (const kind of adapterErrorKinds)
      expect(markdown).toContain(`\`E_ADAPTER_${kind.toUpperCase().replaceAll('-', '_')}\``);
    for (const code of [
      'E_USAGE',
      'E_CONFIG',
      'E_CONFIG_UNTRUSTED',
      'E_PLUGIN',
      'E_POLICY_BLOCKED',
      'E_NO_AVAILABLE_TOOL',
    ])
      expect(markdown).toContain(`\`${code}\``);
  });

  it('getting-started.md documents every init template and when to pick it', async () => {
    const help = (await runCli(['init', '--help'])).stdout.toString();
    const templates = [...(help.split('Templates')[1] ?? '').matchAll(/^ {2}([a-z-]+) {2,}\S/gm)].map(
      (match) => match[1],
    );
    expect(templates).toEqual(['quick-start', 'claude-only', 'cost-optimized', 'development']);
    const markdown = doc('getting-started.md');
    for (const template of templates)
      expect(markdown).toMatch(new RegExp(`^\\| \`${template}\` +\\|.+\\|.+\\|$`, 'm'));
  });

  it('recipes.md covers a pipeline with --chain-id, a generic-yaml CLI and team budgets', () => {
    const markdown = doc('recipes.md');
    expect(markdown).toContain('LLM_SERVICE_CHAIN_ID');
    expect(markdown).toContain('adapter: generic-yaml');
    expect(markdown).toContain('scope: chain');
  });
});
