/**
 * The steps of a request, each alone: no kernel, no configuration files, no plugins. (kernel.test.ts runs them
 * together through `exec`.)
 */
import type {
  Candidate,
  LlmServiceEvent,
  PolicyContext,
  PolicyDecision,
  PolicyV2,
  RequestRecordV1,
  ResolvedConfig,
} from '@llm-service/spec';
import { describe, expect, it } from 'vitest';
import { reportedCost } from './attempt-cost.js';
import { passGate } from './policy-gate.js';
import { RequestLog, type PreparedRequest, type RequestContext } from './request-log.js';

const candidate: Candidate = { tool: 'claude', model: 'sonnet', reason: 'preferred' };
const silent = { warn: () => undefined };

const prepared = {
  request: { agent: 'writer', prompt: 'x' },
  invocationId: 'i',
  chainId: 'c',
  prompt: new Uint8Array(3),
  promptSha256: 'sha',
  startedAt: performance.now(),
  startedAtIso: '2026-12-07T10:00:00.000Z',
} as PreparedRequest;

function contextWith(
  policies: PolicyV2[],
  confirm?: (message: string) => Promise<boolean>,
): {
  context: RequestContext;
  events: LlmServiceEvent[];
  requests: RequestRecordV1[];
  log: () => RequestLog;
} {
  const events: LlmServiceEvent[] = [];
  const requests: RequestRecordV1[] = [];
  const context: RequestContext = {
    config: { project: 'alpha' } as ResolvedConfig,
    host: {
      policies,
      adapters: new Map(),
      commitSinks: async () => true,
      recordAttempt: () => undefined,
      recordRequest: (record) => void requests.push(record),
    },
    emit: (event) => events.push(event),
    env: {},
    logger: silent,
    confirm,
    estimator: async () => undefined,
  };
  return { context, events, requests, log: () => new RequestLog(prepared, context) };
}

const policyContext = { invocationId: 'i', chainId: 'c', explicit: false } as PolicyContext;

/** A policy that decides `decision` and, when given `hold`, reserves it; it writes what happens to it in `log`. */
function policy(id: string, decision: PolicyDecision, log: string[], hold?: string): PolicyV2 {
  return {
    specificationVersion: 'v2',
    id,
    evaluate: () => (log.push(`${id} evaluate`), decision),
    reserve: () => {
      log.push(`${id} reserve`);
      return hold === undefined ? undefined : { action: 'hold', hold, estimateUsd: 1 };
    },
    settle: (held) => void log.push(`${id} settle ${String(held)}`),
    release: (held) => void log.push(`${id} release ${String(held)}`),
  };
}

describe('passGate', () => {
  it('asks no question when a later policy blocks, and reserves nothing', async () => {
    const log: string[] = [];
    const asked: string[] = [];
    const { context, log: requestLog } = contextWith(
      [
        policy('ask', { action: 'confirm', message: 'sure?' }, log, 'a'),
        policy('budget', { action: 'block', message: 'over', hints: [], endsRequest: true }, log, 'b'),
      ],
      async (message) => (asked.push(message), true),
    );
    const gate = await passGate(context, candidate, policyContext, { yes: false, log: requestLog() });
    expect(gate).toMatchObject({ outcome: 'block', message: 'over', endsRequest: true });
    expect(asked).toEqual([]);
    expect(log).toEqual(['ask evaluate', 'budget evaluate']);
  });

  it('releases every reservation when the user declines, and blocks with the question', async () => {
    const log: string[] = [];
    const {
      context,
      events,
      requests,
      log: requestLog,
    } = contextWith(
      [
        policy('budget', { action: 'allow' }, log, 'held'),
        policy('ask', { action: 'confirm', message: 'sure?' }, log),
      ],
      async () => false,
    );
    const request = requestLog();
    request.nextAttempt();
    request.nextAttempt();
    const gate = await passGate(context, candidate, policyContext, { yes: false, log: request });
    expect(gate).toMatchObject({ outcome: 'block', message: 'declined: sure?', endsRequest: true });
    expect(log).toEqual([
      'budget evaluate',
      'ask evaluate',
      'budget reserve',
      'ask reserve',
      'budget release held',
    ]);
    expect(events.map((event) => event.type)).toEqual(['policy.decided', 'policy.decided', 'budget.blocked']);
    expect(events.every((event) => 'attempt' in event && event.attempt === 2)).toBe(true);
    // The request's record has the decisions, and the block that ended it.
    request.complete('blocked');
    expect(requests).toEqual([
      expect.objectContaining({
        status: 'blocked',
        project: 'alpha',
        decisions: [
          { policy: 'budget', candidate, attempt: 2, action: 'allow' },
          { policy: 'ask', candidate, attempt: 2, action: 'confirm', message: 'sure?' },
        ],
        blockedBy: { policy: 'ask', candidate, message: 'declined: sure?' },
      }),
    ]);
  });

  it('runs the rewritten candidate and remembers the one it replaced, but never rewrites an explicit choice', async () => {
    const cheaper: Candidate = { tool: 'claude', model: 'haiku', reason: 'cost_optimization' };
    const rewrite = policy('cost', { action: 'rewrite', candidate: cheaper, reason: 'short prompt' }, []);
    const { context, log } = contextWith([rewrite]);
    expect(await passGate(context, candidate, policyContext, { yes: false, log: log() })).toMatchObject({
      outcome: 'run',
      candidate: cheaper,
      replaced: candidate,
      holds: [],
    });
    const explicit = { ...policyContext, explicit: true };
    expect(await passGate(context, candidate, explicit, { yes: false, log: log() })).toMatchObject({
      outcome: 'run',
      candidate,
      replaced: undefined,
    });
  });
});

describe('RequestLog', () => {
  it('numbers attempts across candidates, adds up what they spent, and completes the request once', () => {
    const { events, requests, log: requestLog } = contextWith([]);
    const log = requestLog();
    const cost = (costUsd: number) => ({
      usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
      costUsd,
      costSource: 'computed' as const,
      computedCostUsd: costUsd,
      priceHash: '',
    });
    for (const costUsd of [0.25, 0.5]) {
      const attempt = log.nextAttempt();
      log.recordAttempt(
        { attempt, tool: 't', model: 'm', reason: 'preferred', status: 'failed', latencyMs: 1 },
        cost(costUsd),
      );
    }
    log.recordSkipped(candidate, { message: 'over budget', hints: [], endsRequest: false });
    log.complete('failed');
    log.complete('success');
    expect(log.attempts.map((attempt) => `${attempt.attempt}:${attempt.status}`)).toEqual([
      '1:failed',
      '2:failed',
      '2:skipped',
    ]);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'request.completed',
        status: 'failed',
        costUsd: 0.75,
        attempts: 2,
        attempt: 0,
      }),
    ]);
    // The sinks get the request's record once, with every attempt and the skipped candidate.
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      status: 'failed',
      costUsd: 0.75,
      startedAt: '2026-12-07T10:00:00.000Z',
    });
    expect(requests[0]!.attempts).toHaveLength(3);
  });
});

describe('reportedCost', () => {
  it('counts the largest estimate a policy held when the tool reports a figure that cannot be true', () => {
    const warnings: string[] = [];
    const price = { input_per_mtok: 3, output_per_mtok: 15 };
    const usage = { inputTokens: 1_000_000, outputTokens: -5, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const cost = reportedCost(candidate, price, { usage, costUsd: -100 }, [0.5, 2], {
      warn: (message) => void warnings.push(message),
    });
    expect(cost).toMatchObject({
      costUsd: 2,
      costSource: 'estimated',
      computedCostUsd: 3,
      usage: { inputTokens: 1_000_000, outputTokens: 0 },
    });
    expect(cost.note).toBe(
      'the tool reported output_tokens -5, cost_usd -100; counted the estimate the budget held, $2.0000',
    );
    expect(warnings).toHaveLength(1);
    expect(
      reportedCost(
        candidate,
        price,
        { usage: { ...usage, outputTokens: 0 }, costUsd: undefined },
        [],
        silent,
      ),
    ).toMatchObject({
      costUsd: 3,
      costSource: 'computed',
    });
  });
});
