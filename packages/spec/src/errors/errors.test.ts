import { describe, expect, it } from 'vitest';
import {
  AdapterError,
  adapterErrorKinds,
  describeAdapterFailure,
  isAdapterError,
  isKnownAdapterErrorKind,
  type AdapterErrorKind,
} from './adapter-error.js';
import { ConfigError } from './config-error.js';
import {
  ExitCode,
  isLlmServiceError,
  kernelErrorCodes,
  LlmServiceError,
  PluginError,
  UsageError,
} from './llm-service-error.js';

describe('errors across copies of the spec', () => {
  it('recognises an error of another copy by its marker, not by instanceof', () => {
    // What another copy's class produces: a different prototype chain, the same global marker.
    const foreign = Object.assign(new Error('from a plugin with its own spec'), {
      [Symbol.for('llm-service.error')]: true,
      code: 'E_ACME_BROKEN',
      exitCode: 1,
    });
    expect(foreign instanceof LlmServiceError).toBe(false);
    expect(LlmServiceError.isInstance(foreign)).toBe(true);
    expect(LlmServiceError.isInstance(new UsageError('bad flag'))).toBe(true);
    expect(LlmServiceError.isInstance(new Error('plain'))).toBe(false);
    expect(isLlmServiceError(null)).toBe(false);
  });

  it('gives every error of the family its code and exit code', () => {
    expect(new UsageError('x')).toMatchObject({ code: 'E_USAGE', exitCode: ExitCode.usage });
    expect(new PluginError('@acme/p', 'is broken')).toMatchObject({
      code: 'E_PLUGIN',
      exitCode: ExitCode.usage,
      plugin: '@acme/p',
      message: 'plugin @acme/p: is broken',
    });
    expect(new ConfigError([]).code).toBe('E_CONFIG');
    expect(kernelErrorCodes).toContain('E_NO_AVAILABLE_TOOL');
  });

  it('reads an adapter error of a kind this copy does not know, with safe defaults', () => {
    const kind = 'quota-gone' as AdapterErrorKind;
    const error = new AdapterError(kind, 'the quota is gone');
    expect(isKnownAdapterErrorKind(kind)).toBe(false);
    expect(error).toMatchObject({ code: 'E_ADAPTER_QUOTA_GONE', fallback: true, retrySameTool: false });
    expect(isAdapterError(error)).toBe(true);
    expect(AdapterError.isInstance(error)).toBe(true);
    expect(isAdapterError(new UsageError('x'))).toBe(false);
  });

  it('knows the kinds of plugin API 1.8: a used-up plan and a prompt too long fall back without a retry', () => {
    const resetsAt = '2026-12-07T14:00:00.000Z';
    expect(new AdapterError('plan-limit', 'the five-hour window is spent', { resetsAt })).toMatchObject({
      code: 'E_ADAPTER_PLAN_LIMIT',
      fallback: true,
      retrySameTool: false,
      resetsAt,
    });
    expect(new AdapterError('context-too-long', 'too long')).toMatchObject({
      fallback: true,
      retrySameTool: false,
    });
  });

  it('carries what a failed attempt spent', () => {
    const usage = { inputTokens: 10, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const error = new AdapterError('tool-error', 'stopped at its cap', { usage, reportedCostUsd: 0.5 });
    expect(error).toMatchObject({ usage, reportedCostUsd: 0.5 });
  });
});

describe('ConfigError', () => {
  const issue = (line: number) => ({
    file: 'agents.yaml',
    line,
    column: 3,
    path: `agents.a${line}`,
    message: 'bad',
  });

  it('lists every problem of a config with a few', () => {
    expect(new ConfigError([issue(1), issue(2)]).message).toBe(
      'invalid configuration (2 problems):\n  agents.yaml:1:3: agents.a1: bad\n  agents.yaml:2:3: agents.a2: bad',
    );
  });

  it('lists the first fifty of thousands, says how many more, and keeps them all in issues', () => {
    const error = new ConfigError(Array.from({ length: 10_000 }, (_, index) => issue(index + 1)));
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('invalid configuration (10000 problems):');
    expect(lines).toHaveLength(52);
    expect(lines[50]).toBe('  agents.yaml:50:3: agents.a50: bad');
    expect(lines[51]).toBe('  … and 9,950 more like these');
    expect(error.issues).toHaveLength(10_000);
  });
});

describe('describeAdapterFailure', () => {
  it('says each known kind in words, and a kind from a newer adapter by its name', () => {
    expect(describeAdapterFailure('rate-limit')).toBe('rate-limited');
    expect(describeAdapterFailure('auth')).toBe('unavailable (not logged in or invalid credentials)');
    for (const kind of adapterErrorKinds) expect(describeAdapterFailure(kind)).not.toBe(`failed (${kind})`);
    expect(describeAdapterFailure('quota-gone')).toBe('failed (quota-gone)');
  });
});
