import { afterEach, describe, expect, it } from 'vitest';
import type { LlmServiceEvent } from '@llm-service/spec';
import { renderStats } from '../commands/render-stats.js';
import { statsForDatabase } from '../commands/run-stats.js';
import { StoreSink } from '../sinks/store-sink.js';
import { deliver, RequestEvents } from '../testing/event-fixtures.js';
import { TemporaryStores } from '../testing/temporary-store.js';
import { TelemetryQuery } from './telemetry-query.js';

const temporary = new TemporaryStores();
afterEach(() => temporary.cleanup());

const at = (minute: number, second = 0) =>
  `2026-11-25T10:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}.000Z`;
const opus = { tool: 'claude', model: 'opus' };
const haiku = { tool: 'claude', model: 'haiku' };

/**
 * By hand: two architect requests downgraded from opus ($0.50 each at opus prices) to haiku ($0.10 each): saved
 * $0.80. One writer request downgraded ($0.20 baseline, $0.04 spent) whose answer was empty, then escalated to opus
 * ($0.20): the downgraded attempt saved nothing (baseline 0, spent $0.04), the escalation spent its baseline. One
 * writer request on its preferred model: baseline = spent = $0.30.
 */
function fixture(): LlmServiceEvent[] {
  const events: LlmServiceEvent[] = [];
  for (const minute of [1, 2]) {
    const request = new RequestEvents({ agent: 'architect' });
    events.push(
      request.received(at(minute)),
      request.planned(at(minute), [opus]),
      { ...request.started(1, at(minute), { ...haiku, reason: 'cost_optimization' }), baselineModel: 'opus' },
      {
        ...request.succeeded(1, at(minute, 5), haiku, {
          costUsd: 0.1,
          baselineModel: 'opus',
          baselineCostUsd: 0.5,
        }),
        reason: 'cost_optimization',
      },
      request.completed(at(minute, 5), 'success', 1),
    );
  }
  const escalated = new RequestEvents({ agent: 'writer' });
  events.push(
    escalated.received(at(3)),
    escalated.planned(at(3), [opus]),
    { ...escalated.started(1, at(3), { ...haiku, reason: 'cost_optimization' }), baselineModel: 'opus' },
    {
      ...escalated.succeeded(1, at(3, 5), haiku, {
        costUsd: 0.04,
        baselineModel: 'opus',
        baselineCostUsd: 0.2,
      }),
      reason: 'cost_optimization',
      text: '',
    },
    escalated.started(2, at(3, 6), { ...opus, reason: 'escalation' }),
    {
      ...escalated.succeeded(2, at(3, 9), opus, {
        costUsd: 0.2,
        baselineModel: 'opus',
        baselineCostUsd: 0.2,
      }),
      reason: 'escalation',
    },
    escalated.completed(at(3, 9), 'success', 2),
  );
  events.push(...new RequestEvents({ agent: 'writer' }).success(at(4), opus, { costUsd: 0.3 }));
  return events;
}

describe('savings from real rows', () => {
  it('reports money saved in all, by policy reason and by agent; a wasted downgrade counts as a loss', async () => {
    const store = temporary.sqlite();
    const sink = new StoreSink({ store, captureContent: false, logger: { warn: () => undefined } });
    for (const event of fixture()) deliver(sink, event);
    await sink.flush();
    const query = new TelemetryQuery(store);

    const total = await query.savings({});
    expect(total.baselineUsd).toBeCloseTo(1.5, 10);
    expect(total.actualUsd).toBeCloseTo(0.74, 10);
    expect(total.invocations).toBe(5);
    const round = (rows: { group: string; savedUsd: number; invocations: number }[]) =>
      rows.map((row) => [row.group, Math.round(row.savedUsd * 100) / 100, row.invocations]);
    expect(round(await query.savingsBy({}, 'reason'))).toEqual([
      ['cost_optimization', 0.76, 3],
      ['escalation', 0, 1],
      ['preferred', 0, 1],
    ]);
    expect(round(await query.savingsBy({}, 'agent'))).toEqual([
      ['architect', 0.8, 2],
      ['writer', -0.04, 3],
    ]);

    const report = await statsForDatabase(
      store.location,
      { since: '2026-11-25', savings: true },
      new Date(at(30)),
    );
    expect(report.savings).toMatchObject({ invocations: 5 });
    expect(report.savings?.byAgent.map((row) => row.group)).toEqual(['architect', 'writer']);
    const text = renderStats(report);
    expect(text).toContain('Savings: $0.76');
    expect(text).toMatch(/cost_optimization +3 +\$1\.00 +\$0\.24 +\$0\.76 +76\.0%/);
    expect(text).toMatch(/architect +2 +\$1\.00 +\$0\.20 +\$0\.80 +80\.0%/);
  });

  it('is empty, not an error, before any row has a baseline', async () => {
    const store = temporary.sqlite();
    store.connection.open();
    expect(await new TelemetryQuery(store).savingsBy({}, 'agent')).toEqual([]);
  });
});
