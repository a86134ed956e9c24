import { describe, expect, it } from 'vitest';
import type { PluginContext } from '@llm-service/spec';
import geminiPlugin from '../index.js';
import { approvalModes, geminiAgentOptionsSchema, geminiToolSchema } from './gemini-schema.js';

const issuePaths = (value: unknown) => {
  const result = geminiAgentOptionsSchema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
};

describe('gemini agent options', () => {
  it('accepts every option, all optional', () => {
    const options = {
      approval_mode: 'yolo',
      sandbox: true,
      include_directories: ['../shared'],
      extensions: ['none'],
      allowed_mcp_server_names: ['github'],
      policy_files: ['policies/team.toml'],
    };
    expect(geminiAgentOptionsSchema.parse(options)).toEqual(options);
    expect(geminiAgentOptionsSchema.parse({})).toEqual({});
  });

  it.each([...approvalModes])('accepts approval_mode %s', (mode) => {
    expect(issuePaths({ approval_mode: mode })).toEqual([]);
  });

  it.each([
    [{ approval_mode: 'bypassPermissions' }, 'approval_mode'],
    [{ sandbox: 'docker' }, 'sandbox'],
    [{ include_directories: '../shared' }, 'include_directories'],
    [{ include_directories: [''] }, 'include_directories.0'],
    [{ extensions: ['ok', '--yolo'] }, 'extensions.1'],
    [{ allowed_mcp_server_names: [3] }, 'allowed_mcp_server_names.0'],
    [{ policy_files: ['-x'] }, 'policy_files.0'],
    [{ yolo: true }, ''],
  ])('refuses %j', (value, path) => {
    expect(issuePaths(value)).toEqual([path]);
  });
});

describe('gemini tool schema', () => {
  it('leaves llm-service’s own retries off by default: gemini retries itself', () => {
    expect(geminiToolSchema.parse({})).toEqual({ retry: { max: 2, base_ms: 500, same_tool: false } });
    expect(geminiToolSchema.parse({ retry: { same_tool: true } }).retry).toMatchObject({ same_tool: true });
  });

  it('refuses unknown keys and out-of-range retries', () => {
    expect(geminiToolSchema.safeParse({ output_format: 'json' }).success).toBe(false);
    expect(geminiToolSchema.safeParse({ retry: { max: 11 } }).success).toBe(false);
    expect(geminiToolSchema.safeParse({ retry: { max: 1, tries: 2 } }).success).toBe(false);
  });
});

describe('the adapter-gemini plugin', () => {
  it('contributes its schemas under the adapter id gemini', () => {
    expect(geminiPlugin).toMatchObject({
      name: '@llm-service/adapter-gemini',
      version: '0.1.0',
      apiVersion: '^1.8.0',
    });
    expect(geminiPlugin.configSchema?.tools?.gemini).toBe(geminiToolSchema);
    expect(geminiPlugin.configSchema?.agentOptions?.gemini).toBe(geminiAgentOptionsSchema);
  });

  it('registers the gemini adapter without loading its code', async () => {
    const added: { id?: string; specificationVersion?: string }[] = [];
    const context = { adapters: { add: (adapter: (typeof added)[number]) => added.push(adapter) } };
    await geminiPlugin.register(context as unknown as PluginContext);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ id: 'gemini', specificationVersion: 'v1' });
  });
});
