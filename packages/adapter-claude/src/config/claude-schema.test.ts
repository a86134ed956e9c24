import { describe, expect, it } from 'vitest';
import type { PluginContext } from '@llm-service/spec';
import claudePlugin from '../index.js';
import { claudeAgentOptionsSchema, claudeToolSchema, permissionModes } from './claude-schema.js';

const issuePaths = (value: unknown) => {
  const result = claudeAgentOptionsSchema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
};

describe('claude agent options', () => {
  it('accepts every option, all optional', () => {
    const options = {
      append_system_prompt_file: 'prompts/architect.md',
      allowed_tools: ['Read', 'Grep'],
      permission_mode: 'plan',
      add_dirs: ['../shared'],
    };
    expect(claudeAgentOptionsSchema.parse(options)).toEqual(options);
    expect(claudeAgentOptionsSchema.parse({ append_system_prompt: 'Answer briefly.' })).toEqual({
      append_system_prompt: 'Answer briefly.',
    });
    expect(claudeAgentOptionsSchema.parse({})).toEqual({});
  });

  it.each([...permissionModes])('accepts permission_mode %s', (mode) => {
    expect(issuePaths({ permission_mode: mode })).toEqual([]);
  });

  it.each([
    [{ permission_mode: 'yolo' }, 'permission_mode'],
    [{ allowed_tools: 'Read' }, 'allowed_tools'],
    [{ allowed_tools: [''] }, 'allowed_tools.0'],
    [{ allowed_tools: ['Read', '--dangerously-skip-permissions'] }, 'allowed_tools.1'],
    [{ add_dirs: [3] }, 'add_dirs.0'],
    [{ append_system_prompt: 42 }, 'append_system_prompt'],
    [{ append_system_prompt_file: '' }, 'append_system_prompt_file'],
    [{ allowedTools: ['Read'] }, ''],
  ])('refuses %j', (value, path) => {
    expect(issuePaths(value)).toEqual([path]);
  });

  it('refuses a system prompt given both inline and by file', () => {
    expect(issuePaths({ append_system_prompt: 'x', append_system_prompt_file: 'x.md' })).toEqual([
      'append_system_prompt_file',
    ]);
  });
});

describe('claude tool schema', () => {
  it('bounds claude’s own retries by default and leaves llm-service’s own retries off', () => {
    expect(claudeToolSchema.parse({})).toEqual({ retry: { max: 2, base_ms: 500, same_tool: false } });
    expect(claudeToolSchema.parse({ retry: { max: 0 } })).toEqual({
      retry: { max: 0, base_ms: 500, same_tool: false },
    });
    expect(claudeToolSchema.parse({ retry: { max: 4, same_tool: true } }).retry).toMatchObject({
      max: 4,
      same_tool: true,
    });
  });

  it('refuses unknown keys and out-of-range retries', () => {
    expect(claudeToolSchema.safeParse({ output_format: 'json' }).success).toBe(false);
    expect(claudeToolSchema.safeParse({ retry: { max: 11 } }).success).toBe(false);
    expect(claudeToolSchema.safeParse({ retry: { max: 1, tries: 2 } }).success).toBe(false);
  });
});

describe('the adapter-claude plugin', () => {
  it('contributes its schemas under the adapter id claude', () => {
    expect(claudePlugin).toMatchObject({
      name: '@llm-service/adapter-claude',
      version: '0.1.0',
      apiVersion: '^1.0.0',
    });
    expect(claudePlugin.configSchema?.check).toBeTypeOf('function');
    expect(claudePlugin.configSchema?.tools?.claude).toBe(claudeToolSchema);
    expect(claudePlugin.configSchema?.agentOptions?.claude).toBe(claudeAgentOptionsSchema);
  });

  it('registers the claude adapter', async () => {
    const added: { id?: string; specificationVersion?: string }[] = [];
    const context = { adapters: { add: (adapter: (typeof added)[number]) => added.push(adapter) } };
    await claudePlugin.register(context as unknown as PluginContext);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ id: 'claude', specificationVersion: 'v1' });
  });
});
