import { describe, expect, it } from 'vitest';
import type { ExecResult } from '@llm-service/spec';
import { estimateTokens, formatDuration, formatUsd, summaryLine } from './progress.js';

describe('exec progress text', () => {
  it('sums up a run in one line: tool, model, tokens, cost, time', () => {
    const result = {
      tool: 'claude',
      model: 'claude-sonnet-4-6',
      usage: { inputTokens: 1000, outputTokens: 567, cacheReadTokens: 234, cacheWriteTokens: 0 },
      costUsd: 0.0123,
      costSource: 'tool',
      latencyMs: 4200,
    } as ExecResult;
    expect(summaryLine(result)).toBe(
      'claude:claude-sonnet-4-6 · 1,234 in / 567 out tokens · $0.01 (reported by the tool) · 4.2s',
    );
  });

  it('formats money, durations and the live token estimate', () => {
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(1.5)).toBe('$1.50');
    expect(formatUsd(0.00042)).toBe('$0.00042');
    expect(formatDuration(950)).toBe('0.9s');
    expect(formatDuration(125_000)).toBe('2m5s');
    expect(estimateTokens(4000)).toBe(1000);
  });
});
