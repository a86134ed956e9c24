import { describe, expect, it } from 'vitest';
import { AdapterError } from '@llm-service/spec';
import { withSpending } from './with-spending.js';

describe('withSpending', () => {
  const usage = { inputTokens: 10, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 };

  it('carries what the run spent, keeping everything else the failure said (its hint and reset time included)', () => {
    const resetsAt = '2026-12-07T14:00:00.000Z';
    const failure = new AdapterError('rate-limit', 'limited', {
      exitCode: 1,
      hint: 'wait',
      fallback: false,
      resetsAt,
    });
    expect(withSpending(failure, { usage, reportedCostUsd: 0.25 })).toMatchObject({
      kind: 'rate-limit',
      message: 'limited',
      toolExitCode: 1,
      fallback: false,
      hint: 'wait',
      resetsAt,
      usage,
      reportedCostUsd: 0.25,
    });
  });

  it('keeps a failure that spent nothing as it is', () => {
    const failure = new AdapterError('tool-error', 'failed');
    const nothing = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    expect(withSpending(failure, { usage: nothing })).toBe(failure);
    expect(withSpending(failure, undefined)).toBe(failure);
  });
});
