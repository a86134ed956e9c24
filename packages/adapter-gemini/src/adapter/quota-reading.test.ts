import { describe, expect, it } from 'vitest';
import { readFixture, runResultOf } from '../../test/support/fixtures.js';
import { GeminiStreamParser } from '../stream/stream-parser.js';
import { classifyFailure, quotaReading, type FailureContext } from './classify-failure.js';

const context: FailureContext = {
  toolId: 'gemini',
  binaryPath: '/opt/gemini',
  timeoutMs: 30_000,
  retrySameTool: false,
  endedAt: new Date('2026-12-07T08:00:00.000Z'),
};

function failureOf(stdout: Buffer, run: Parameters<typeof runResultOf>[0]) {
  const parser = new GeminiStreamParser({ onText: () => undefined });
  parser.push(stdout);
  parser.end();
  return classifyFailure(runResultOf(run), parser.state, context);
}

function fixtureFailure(name: string) {
  const { stdout, meta } = readFixture(name);
  return failureOf(stdout, meta);
}

describe("gemini 0.61's quota refusals as rejected readings", () => {
  it('a used-up daily quota is the quota rejected, with no reset time (gemini gives none)', () => {
    const failure = fixtureFailure('daily-quota-429');
    expect(failure).toMatchObject({ kind: 'plan-limit' });
    expect(quotaReading(failure!)).toEqual({ window: 'quota', status: 'rejected' });
  });

  it('a per-minute limit, an overload and a refused key give no reading', () => {
    for (const name of ['rate-limit-429', 'overloaded-503', 'api-key-invalid-400']) {
      const failure = fixtureFailure(name);
      expect(failure, name).toBeDefined();
      expect(quotaReading(failure!), name).toBeUndefined();
    }
  });

  it('the refused sign-in of an individual account is plan-limit but no quota', () => {
    const failure = failureOf(Buffer.alloc(0), {
      exitCode: 1,
      signal: null,
      stderr:
        'Failed to sign in. Message: This client is no longer supported for Gemini Code Assist for individuals.\n',
    });
    expect(failure).toMatchObject({ kind: 'plan-limit' });
    expect(quotaReading(failure!)).toBeUndefined();
  });
});
