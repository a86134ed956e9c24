import { AdapterError, type AdapterEvent, type InvocationRequest } from '@llm-service/spec';
import { describe, expect, it } from 'vitest';
import { toolAdapter } from '../adapter/tool-adapter.js';
import { epochToIsoTime, planWindowStatus } from './plan-limits.js';

const result = {
  text: 'hi',
  usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
  model: 'm',
  exitCode: 0,
  durationMs: 1,
};

function collect(
  adapter: ReturnType<typeof toolAdapter>,
): Promise<{ events: AdapterEvent[]; error?: unknown }> {
  const events: AdapterEvent[] = [];
  return new Promise((resolve) => {
    adapter.invoke({} as InvocationRequest, new AbortController().signal).subscribe({
      next: (event) => events.push(event),
      complete: () => resolve({ events }),
      error: (error: unknown) => resolve({ events, error }),
    });
  });
}

describe('toolAdapter reporting plan windows', () => {
  it('sends readings as limits events in the order the run reported them, between its text and its result', async () => {
    const adapter = toolAdapter({
      id: 'test',
      detect: () => Promise.resolve({ installed: true }),
      run: (_request, _signal, emit, reportLimits) => {
        emit('a');
        reportLimits([{ window: 'five_hour', status: 'allowed', utilization: 0.5 }], 'account-1');
        reportLimits([]);
        emit('b');
        return Promise.resolve(result);
      },
    });
    const { events } = await collect(adapter);
    expect(events).toEqual([
      { type: 'output', text: 'a' },
      {
        type: 'limits',
        windows: [{ window: 'five_hour', status: 'allowed', utilization: 0.5 }],
        account: 'account-1',
      },
      { type: 'output', text: 'b' },
      { type: 'result', result },
    ]);
  });

  it('sends a rejected reading before the plan-limit failure it precedes', async () => {
    const adapter = toolAdapter({
      id: 'test',
      detect: () => Promise.resolve({ installed: true }),
      run: (_request, _signal, _emit, reportLimits) => {
        reportLimits([{ window: 'seven_day', status: 'rejected', resetsAt: '2026-12-10T12:00:00.000Z' }]);
        return Promise.reject(
          new AdapterError('plan-limit', 'used up', { resetsAt: '2026-12-10T12:00:00.000Z' }),
        );
      },
    });
    const { events, error } = await collect(adapter);
    expect(events).toEqual([
      {
        type: 'limits',
        windows: [{ window: 'seven_day', status: 'rejected', resetsAt: '2026-12-10T12:00:00.000Z' }],
      },
    ]);
    expect(error).toMatchObject({ kind: 'plan-limit', resetsAt: '2026-12-10T12:00:00.000Z' });
  });
});

describe('epochToIsoTime', () => {
  it('reads seconds and milliseconds since the epoch as the same instant', () => {
    expect(epochToIsoTime(1796652803)).toBe('2026-12-07T14:13:23.000Z');
    expect(epochToIsoTime(1796652803000)).toBe('2026-12-07T14:13:23.000Z');
  });

  it('gives nothing for values that are no instant', () => {
    expect(epochToIsoTime(0)).toBeUndefined();
    expect(epochToIsoTime(-5)).toBeUndefined();
    expect(epochToIsoTime(Number.NaN)).toBeUndefined();
    expect(epochToIsoTime(1e20)).toBeUndefined();
  });
});

describe('planWindowStatus', () => {
  it("maps Anthropic's words and drops unknown ones", () => {
    expect(planWindowStatus('allowed')).toBe('allowed');
    expect(planWindowStatus('allowed_warning')).toBe('warning');
    expect(planWindowStatus('rejected')).toBe('rejected');
    expect(planWindowStatus('throttled')).toBeUndefined();
  });
});
