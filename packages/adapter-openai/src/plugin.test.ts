import { describe, expect, it } from 'vitest';
import { PLUGIN_API_VERSION, type PluginContext } from '@llm-service/spec';
import openaiPlugin from './index.js';
import { openaiAgentOptionsSchema, openaiToolSchema } from './config/openai-schema.js';

describe('the adapter-openai plugin', () => {
  it('contributes its schemas under the adapter id openai, for plugin API 1.8', () => {
    expect(openaiPlugin).toMatchObject({
      name: '@llm-service/adapter-openai',
      version: '0.1.0',
      apiVersion: '^1.8.0',
    });
    expect(PLUGIN_API_VERSION).toMatch(/^1\.(?:[89]|\d\d)\./);
    expect(openaiPlugin.configSchema?.tools?.openai).toBe(openaiToolSchema);
    expect(openaiPlugin.configSchema?.agentOptions?.openai).toBe(openaiAgentOptionsSchema);
  });

  it('registers the openai adapter', async () => {
    const added: { id?: string; specificationVersion?: string }[] = [];
    const context = { adapters: { add: (adapter: (typeof added)[number]) => added.push(adapter) } };
    await openaiPlugin.register(context as unknown as PluginContext);
    expect(added).toEqual([expect.objectContaining({ id: 'openai', specificationVersion: 'v1' })]);
  });
});
