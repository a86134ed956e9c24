import { describe, expect, it } from 'vitest';
import { contextLengthMessages } from '@llm-service/testkit';
import { secretRedactor } from '../http/endpoint.js';
import {
  failureKind,
  httpFailure,
  networkCode,
  networkFailure,
  readErrorBody,
  streamFailure,
  type FailureContext,
} from './classify-failure.js';

const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz012345';
const context: FailureContext = {
  toolId: 'openai',
  tool: {
    base_url: 'https://api.openai.com/v1',
    api_key_env: 'OPENAI_API_KEY',
    retry: { max: 2, base_ms: 1000 },
  },
  model: 'gpt-4o-mini',
  timeoutMs: 60_000,
  redact: secretRedactor({ headers: {} }, key),
};

const body = (error: Record<string, unknown>) => JSON.stringify({ error });

describe('failureKind', () => {
  it.each([
    [401, undefined, 'auth'],
    [403, undefined, 'auth'],
    [402, undefined, 'plan-limit'],
    [429, { code: 'insufficient_quota' }, 'plan-limit'],
    [
      429,
      { message: 'You exceeded your current quota, please check your plan and billing details.' },
      'plan-limit',
    ],
    [
      403,
      { message: 'Insufficient credits. Add more using https://openrouter.ai/settings/credits' },
      'plan-limit',
    ],
    [429, { code: 'rate_limit_exceeded' }, 'rate-limit'],
    [500, undefined, 'overloaded'],
    [502, undefined, 'overloaded'],
    [503, undefined, 'overloaded'],
    [408, undefined, 'overloaded'],
    [400, { code: 'context_length_exceeded', message: 'too long' }, 'context-too-long'],
    [400, { message: contextLengthMessages.vllm }, 'context-too-long'],
    [400, { message: contextLengthMessages['vllm-engine'] }, 'context-too-long'],
    [400, { message: contextLengthMessages['llama.cpp'] }, 'context-too-long'],
    [400, { type: 'exceed_context_size_error', message: 'x' }, 'context-too-long'],
    [400, { message: contextLengthMessages['vllm-max-tokens'] }, 'context-too-long'],
    [400, { message: 'The input length exceeds the context length' }, 'context-too-long'],
    [400, { message: 'Input is too long for requested model.' }, 'context-too-long'],
    [500, { message: contextLengthMessages['llama.cpp'] }, 'context-too-long'],
    [413, undefined, 'context-too-long'],
    [400, { message: 'temperature must be at most 2' }, 'tool-error'],
    [404, { code: 'model_not_found' }, 'tool-error'],
    [undefined, { message: 'engine died' }, 'tool-error'],
  ])('HTTP %s with %j is %s', (status, error, kind) => {
    expect(failureKind(status, error)).toBe(kind);
  });
});

describe('readErrorBody', () => {
  it('reads the shapes servers send, and nothing else', () => {
    expect(readErrorBody(body({ message: 'm', type: 't', code: 'c', param: null }))).toEqual({
      message: 'm',
      type: 't',
      code: 'c',
      param: null,
    });
    expect(readErrorBody('{"error":"model \\"x\\" not found, try pulling it first"}')).toEqual({
      message: 'model "x" not found, try pulling it first',
    });
    expect(
      readErrorBody('{"object":"error","message":"bad","type":"BadRequestError","code":400}'),
    ).toMatchObject({
      message: 'bad',
      code: 400,
    });
    expect(readErrorBody('<html>')).toBeUndefined();
    expect(readErrorBody('{"detail":"x"}')).toBeUndefined();
    expect(readErrorBody('{"error":{"message":42}}')).toBeUndefined();
  });
});

describe('httpFailure', () => {
  it('says the status and the server’s words, and hints at the key’s variable for a refused key', () => {
    const error = httpFailure(
      401,
      new Headers(),
      body({ message: `Incorrect API key provided: ${key}.`, code: 'invalid_api_key' }),
      context,
    );
    expect(error).toMatchObject({ kind: 'auth', retrySameTool: false, fallback: true, toolExitCode: 401 });
    expect(error.message).toBe(
      "'openai': https://api.openai.com/v1 answered HTTP 401: Incorrect API key provided: [REDACTED]. (invalid_api_key)",
    );
    expect(error.hint).toContain('refused the key in OPENAI_API_KEY');
    expect(JSON.stringify({ message: error.message, detail: error.detail, hint: error.hint })).not.toContain(
      key,
    );
  });

  it('gives a 429 the time Retry-After says, retried on the same tool', () => {
    const error = httpFailure(
      429,
      new Headers({ 'retry-after': '7' }),
      body({ code: 'rate_limit_exceeded' }),
      context,
    );
    expect(error).toMatchObject({ kind: 'rate-limit', retrySameTool: true, fallback: true });
    expect(Date.parse(error.resetsAt!) - Date.now()).toBeGreaterThan(6_000);
    expect(error.hint).toContain(`wait until ${error.resetsAt}`);
  });

  it('names the way to let llm-service wait when same-tool retries are off', () => {
    const error = httpFailure(429, new Headers(), '', {
      ...context,
      tool: { ...context.tool, retry: { max: 0, base_ms: 0 } },
    });
    expect(error.hint).toContain('set tools.openai.retry.max');
    expect(error.resetsAt).toBeUndefined();
  });

  it('does not retry a quota or a context failure on the same tool, and falls back', () => {
    for (const failure of [
      httpFailure(429, new Headers({ 'retry-after': '1' }), body({ code: 'insufficient_quota' }), context),
      httpFailure(400, new Headers(), body({ code: 'context_length_exceeded' }), context),
    ]) {
      expect(failure).toMatchObject({ retrySameTool: false, fallback: true });
      expect(failure.resetsAt).toBeUndefined();
    }
  });

  it('keeps a body that is not JSON as the detail, cut short', () => {
    const error = httpFailure(502, new Headers(), `<html>${'x'.repeat(5000)}</html>`, context);
    expect(error).toMatchObject({ kind: 'overloaded', retrySameTool: true });
    expect(error.message).toBe("'openai': https://api.openai.com/v1 answered HTTP 502");
    expect(error.detail).toHaveLength(1000);
  });
});

describe('streamFailure', () => {
  it('reads a numeric code as the status, and calls an unknown failure the server’s', () => {
    expect(streamFailure({ message: 'slow down', code: 429 }, context).kind).toBe('rate-limit');
    expect(streamFailure({ message: contextLengthMessages.vllm }, context).kind).toBe('context-too-long');
    expect(streamFailure({ message: 'engine died' }, context)).toMatchObject({
      kind: 'overloaded',
      retrySameTool: true,
    });
    expect(streamFailure({ message: 'bad request', code: 400 }, context).kind).toBe('tool-error');
  });
});

describe('networkFailure', () => {
  const fetchFailure = (code: string) =>
    new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });

  it('finds the code on the cause, or on an AggregateError’s first error', () => {
    expect(networkCode(fetchFailure('ECONNREFUSED'))).toBe('ECONNREFUSED');
    const aggregate = new AggregateError(
      [Object.assign(new Error('x'), { code: 'ENETUNREACH' })],
      'all failed',
    );
    expect(networkCode(new TypeError('fetch failed', { cause: aggregate }))).toBe('ENETUNREACH');
    expect(networkCode(new Error('plain'))).toBeUndefined();
  });

  it('calls nothing listening a tool-error naming base_url, with a hint to start the server', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']) {
      const error = networkFailure(fetchFailure(code), context);
      expect(error).toMatchObject({ kind: 'tool-error', retrySameTool: false, fallback: true });
      expect(error.message).toBe(`'openai': nothing answered at https://api.openai.com/v1 (${code})`);
      expect(error.hint).toContain('nothing answered at https://api.openai.com/v1: start the server');
    }
  });

  it('calls a connection dropped before the answer overloaded, retried on the same tool', () => {
    expect(networkFailure(fetchFailure('ECONNRESET'), context)).toMatchObject({
      kind: 'overloaded',
      retrySameTool: true,
    });
  });
});
