import { describe, expect, it } from 'vitest';
import { coreToolShape, z } from '@llm-service/spec';
import { openaiAgentOptionsSchema, openaiToolSchema } from './openai-schema.js';

/** The tool entry as core's loader validates it: core's keys merged with the adapter's, refinements re-attached. */
const toolSchema = z
  .strictObject({ ...coreToolShape, ...openaiToolSchema.shape })
  .check(...((openaiToolSchema._zod.def.checks ?? []) as never[]));

const issues = (value: Record<string, unknown>) => {
  const result = toolSchema.safeParse({ adapter: 'openai', models: ['m'], ...value });
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('openai tool schema', () => {
  it('takes a local server with no key, filling binary, headers and two same-tool retries', () => {
    expect(
      toolSchema.parse({ adapter: 'openai', models: ['qwen2.5:7b'], base_url: 'http://127.0.0.1:11434/v1' }),
    ).toMatchObject({
      binary: '(http)',
      base_url: 'http://127.0.0.1:11434/v1',
      headers: {},
      retry: { max: 2, base_ms: 1000 },
    });
    expect(
      toolSchema.parse({
        adapter: 'openai',
        models: ['gpt-4o-mini'],
        base_url: 'https://api.openai.com/v1',
        api_key_env: 'OPENAI_API_KEY',
        headers: { 'OpenAI-Organization': 'org-1' },
        retry: { max: 0 },
        timeout_s: 30,
      }),
    ).toMatchObject({ api_key_env: 'OPENAI_API_KEY', retry: { max: 0, base_ms: 1000 }, timeout_s: 30 });
  });

  it.each([
    [{ base_url: 'ftp://host/v1' }, 'base_url: expected an http:// or https:// URL, got ftp://'],
    [{ base_url: 'localhost:11434' }, 'base_url: expected an http:// or https:// URL, got localhost:'],
    [{ base_url: 'not a url' }, "base_url: expected an http:// or https:// URL, got 'not a url'"],
    [
      { base_url: 'https://user:sk-secret@api.example.com/v1' },
      'base_url: base_url must not hold credentials',
    ],
    [{ base_url: 'http://h/v1?api-version=1' }, 'base_url: base_url must not have a query or fragment'],
    [
      { base_url: 'http://h/v1', api_key_env: 'sk-abc123' },
      'api_key_env: expected the name of an environment variable',
    ],
    [
      { base_url: 'http://h/v1', binary: 'ollama' },
      'binary: an openai tool is reached over HTTP at base_url',
    ],
    [
      { base_url: 'http://h/v1', headers: { 'bad header': 'x' } },
      'headers.bad header: expected an HTTP header name',
    ],
    [
      { base_url: 'http://h/v1', headers: { 'x-a': 'one\r\ntwo' } },
      'headers.x-a: a header value must be one line',
    ],
    [
      { base_url: 'http://h/v1', headers: { 'Content-Type': 'text/plain' } },
      'headers.Content-Type: Content-Type is set by the adapter',
    ],
    [
      { base_url: 'http://h/v1', api_key_env: 'KEY', headers: { Authorization: 'Bearer x' } },
      'headers.Authorization: give api_key_env or an authorization header, not both',
    ],
    [{ base_url: 'http://h/v1', apikey: 'x' }, ''],
    [{}, 'base_url:'],
  ])('refuses %j', (value, expected) => {
    const found = issues(value);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(expected);
  });

  it('never repeats the credentials of a refused base_url', () => {
    expect(issues({ base_url: 'https://user:sk-secret@api.example.com/v1' }).join('\n')).not.toContain(
      'sk-secret',
    );
  });
});

describe('openai agent options', () => {
  it('accepts every option, all optional', () => {
    const options = {
      system_prompt: 'Be brief.',
      temperature: 0,
      top_p: 0.9,
      max_tokens: 100,
      stop: ['END'],
      seed: 7,
    };
    expect(openaiAgentOptionsSchema.parse(options)).toEqual(options);
    expect(openaiAgentOptionsSchema.parse({})).toEqual({});
  });

  it.each([
    [{ temperature: 3 }, 'temperature'],
    [{ top_p: 0 }, 'top_p'],
    [{ max_tokens: 0 }, 'max_tokens'],
    [{ max_tokens: 1.5 }, 'max_tokens'],
    [{ stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    [{ system_prompt: '' }, 'system_prompt'],
    [{ max_tokens: 10, max_completion_tokens: 10 }, 'max_completion_tokens'],
    [{ model: 'gpt-4o' }, ''],
  ])('refuses %j', (value, path) => {
    const result = openaiAgentOptionsSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([path]);
  });
});
