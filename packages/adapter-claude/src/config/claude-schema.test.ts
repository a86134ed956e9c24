import { describe, expect, it } from 'vitest';
import type { PluginContext } from '@llm-service/core';
import claudePlugin from './index.js';
import { claudeAgentOptionsSchema, claudeToolSchema } from './claude-schema.js';

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

  it.each(['default', 'acceptEdits', 'bypassPermissions', 'plan'])('accepts permission_mode %s', (mode) => {
    expect(issuePaths({ permission_mode: mode })).toEqual([]);
  });

  it.each([
    [{ permission_mode: 'yolo' }, 'permission_mode'],
    [{ allowed_tools: 'Read' }, 'allowed_tools'],
    [{ allowed_tools: [''] }, 'allowed_tools.0'],
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
  it('adds no keys yet and refuses unknown ones', () => {
    expect(claudeToolSchema.parse({})).toEqual({});
    expect(claudeToolSchema.safeParse({ output_format: 'json' }).success).toBe(false);
  });
});

describe('the adapter-claude plugin', () => {
  it('contributes its schemas under the adapter id claude', () => {
    expect(claudePlugin).toMatchObject({
      name: '@llm-service/adapter-claude',
      version: '0.1.0',
      apiVersion: '^1.0.0',
    });
    expect(claudePlugin.configSchema?.tools?.claude).toBe(claudeToolSchema);
    expect(claudePlugin.configSchema?.agentOptions?.claude).toBe(claudeAgentOptionsSchema);
  });

  it('registers no adapter yet', async () => {
    const added: unknown[] = [];
    const context = { adapters: { add: (adapter: unknown) => added.push(adapter) } };
    await claudePlugin.register(context as unknown as PluginContext);
    expect(added).toEqual([]);
  });
});
