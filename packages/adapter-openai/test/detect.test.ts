import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOpenAIAdapter } from '../src/index.js';
import { detectTimeoutMs } from '../src/adapter/detect-openai.js';
import {
  cleanUp,
  configDir,
  deadBaseUrl,
  kernelFor,
  keyVariable,
  startServer,
  testKey,
  toolConfig,
} from './support/helpers.js';

afterEach(cleanUp);

const adapter = createOpenAIAdapter();
const env = { [keyVariable]: testKey };

describe('detecting an openai tool with GET {base_url}/models', () => {
  it('finds a reachable server that accepts the key and lists the configured models', async () => {
    const server = await startServer({ models: ['qwen2.5:7b', 'llama3.1:8b'], requireKey: testKey });
    const dir = configDir({ local: { base_url: server.baseUrl, models: ['qwen2.5:7b', 'llama3.1:8b'] } });
    expect(await kernelFor(dir).kernel.detect('local')).toEqual({
      installed: true,
      path: server.baseUrl,
      credentials: [keyVariable],
    });
    expect(server.modelsRequests[0]!.headers.authorization).toBe(`Bearer ${testKey}`);
    expect(server.completionRequests).toHaveLength(0);
  });

  it('says which configured models the server does not list', async () => {
    const server = await startServer({ models: ['llama3.1:8b'] });
    const result = await adapter.detect(
      toolConfig({
        base_url: server.baseUrl,
        api_key_env: keyVariable,
        models: ['qwen2.5:7b', 'llama3.1:8b'],
      }),
      { configDir: '.', env },
    );
    expect(result).toMatchObject({
      installed: true,
      problem: 'not listed by the server: qwen2.5:7b (it lists llama3.1:8b)',
    });
  });

  it('says a refused key by its variable’s name, never its value', async () => {
    const server = await startServer({ requireKey: 'the-right-key' });
    const result = await adapter.detect(toolConfig({ base_url: server.baseUrl, api_key_env: keyVariable }), {
      configDir: '.',
      env,
    });
    expect(result).toMatchObject({
      installed: true,
      problem: `the server refused the key in ${keyVariable} (HTTP 401)`,
    });
    expect(JSON.stringify(result)).not.toContain(testKey);
  });

  it('says a key variable that is not set, and still looks at the server', async () => {
    const server = await startServer();
    const result = await adapter.detect(toolConfig({ base_url: server.baseUrl, api_key_env: keyVariable }), {
      configDir: '.',
      env: {},
    });
    expect(result).toMatchObject({ installed: true, credentials: [], problem: `${keyVariable} is not set` });
    expect(server.modelsRequests).toHaveLength(1);
  });

  it('is not installed where nothing listens', async () => {
    const dead = await deadBaseUrl();
    expect(await adapter.detect(toolConfig({ base_url: dead }), { configDir: '.', env: {} })).toEqual({
      installed: false,
      path: dead,
      credentials: [],
      problem: `nothing answered at ${dead} (ECONNREFUSED)`,
    });
  });

  it('does not wait for a server that never answers longer than its short timeout', async () => {
    // The test server answers /models at once: a bare server that never answers stands in for a hung one.
    const hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const result = await adapter.detect(
        toolConfig({ base_url: `http://127.0.0.1:${(hung.address() as AddressInfo).port}/v1` }),
        { configDir: '.', env: {} },
      );
      expect(result).toMatchObject({
        installed: false,
        problem: expect.stringContaining(`no answer within ${detectTimeoutMs / 1000} s`),
      });
      expect(Date.now() - started).toBeLessThan(detectTimeoutMs + 2_000);
    } finally {
      hung.closeAllConnections();
      await new Promise<void>((resolve) => hung.close(() => resolve()));
    }
  });

  it('says a base_url that is not the API root', async () => {
    const server = await startServer();
    const result = await adapter.detect(toolConfig({ base_url: `http://127.0.0.1:${server.port}` }), {
      configDir: '.',
      env: {},
    });
    expect(result).toMatchObject({
      installed: true,
      problem: `GET http://127.0.0.1:${server.port}/models answered HTTP 404`,
    });
  });
});
