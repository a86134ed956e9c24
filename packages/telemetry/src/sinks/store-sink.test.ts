import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { LlmServiceEvent } from '@llm-service/spec';
import { deliver, RequestEvents } from '../testing/event-fixtures.js';
import { rows, TemporaryStores } from '../testing/temporary-store.js';
import { commitQueuedTelemetry, StoreSink } from './store-sink.js';
import { SqliteTelemetryStore } from '../sqlite/sqlite-store.js';
import { TelemetryQuery } from '../query/telemetry-query.js';

const temporary = new TemporaryStores();
afterEach(() => temporary.cleanup());

const primary = { tool: 'claude', model: 'claude-sonnet-4-5' };
const secondary = { tool: 'codex', model: 'gpt-5' };
const tertiary = { tool: 'ollama', model: 'qwen2.5:7b' };

function sinkFor(store: SqliteTelemetryStore, options: { captureContent?: boolean; maxBatch?: number } = {}) {
  const warnings: string[] = [];
  const sink = new StoreSink({
    store,
    captureContent: options.captureContent ?? false,
    logger: { warn: (message) => warnings.push(message) },
    ...(options.maxBatch ? { maxBatch: options.maxBatch } : {}),
  });
  return { sink, warnings };
}

function play(sink: StoreSink, events: readonly LlmServiceEvent[]): void {
  for (const event of events) deliver(sink, event);
}

describe('the store sink over SQLite', () => {
  it('records a successful attempt with its usage, both costs, price hash and baseline', async () => {
    const store = temporary.sqlite();
    const { sink, warnings } = sinkFor(store);
    const request = new RequestEvents({ agent: 'architect', taskType: 'review', chainId: 'chain-1' });
    play(
      sink,
      request.success('2026-11-03T10:00:00.000Z', primary, {
        usage: { inputTokens: 1000, outputTokens: 200, cacheReadTokens: 3000, cacheWriteTokens: 400 },
        costUsd: 0.02,
        costSource: 'tool',
        computedCostUsd: 0.0189,
        latencyMs: 1234,
        baselineModel: 'claude-opus-4-5',
        baselineCostUsd: 0.09,
      }),
    );
    await sink.flush();
    expect(rows(store)).toEqual([
      expect.objectContaining({
        invocation_id: request.invocationId,
        chain_id: 'chain-1',
        attempt: 1,
        started_at: '2026-11-03T10:00:00.000Z',
        finished_at: '2026-11-03T10:00:01.234Z',
        agent: 'architect',
        task_type: 'review',
        tool: 'claude',
        model: 'claude-sonnet-4-5',
        reason: 'preferred',
        status: 'success',
        error_kind: null,
        input_tokens: 1000,
        output_tokens: 200,
        cache_read_tokens: 3000,
        cache_write_tokens: 400,
        total_tokens: 4600,
        cost_usd: 0.02,
        cost_source: 'tool',
        computed_cost_usd: 0.0189,
        price_hash: 'abcdef123456',
        baseline_model: 'claude-opus-4-5',
        baseline_cost_usd: 0.09,
        latency_ms: 1234,
        exit_code: 0,
        session_id: 'session-1',
        turns: 1,
        prompt_tokens_estimate: 100,
        pid: 4242,
      }),
    ]);
    expect(warnings).toEqual([]);
  });

  it('inserts the running row when the attempt starts and completes it in a later transaction', async () => {
    const store = temporary.sqlite();
    const { sink } = sinkFor(store);
    const request = new RequestEvents();
    play(sink, [
      request.received('2026-11-03T10:00:00.000Z'),
      request.started(1, '2026-11-03T10:00:00.000Z', primary),
    ]);
    await sink.settled(); // the queued insert commits once the current synchronous work is done
    expect(rows(store)).toMatchObject([{ status: 'running', finished_at: null, pid: 4242 }]);
    deliver(sink, request.succeeded(1, '2026-11-03T10:00:02.000Z', primary, { latencyMs: 2000 }));
    await sink.flush();
    expect(rows(store)).toMatchObject([
      { status: 'success', latency_ms: 2000, finished_at: '2026-11-03T10:00:02.000Z' },
    ]);
  });

  it('records how each attempt was paid for, from its start or its record, and api when the kernel says neither', async () => {
    const store = temporary.sqlite();
    const { sink } = sinkFor(store);
    // Started and ended before the queue was committed: one insert.
    const together = new RequestEvents({ billing: 'subscription' });
    play(sink, together.success('2026-11-03T10:00:00.000Z', primary));
    // Started in one commit, completed by another process whose record knows nothing of the start.
    const apart = new RequestEvents({ billing: 'subscription' });
    deliver(sink, apart.started(1, '2026-11-03T11:00:00.000Z', primary));
    await sink.flush();
    const elsewhere = sinkFor(store).sink;
    deliver(elsewhere, apart.succeeded(1, '2026-11-03T11:00:01.000Z', primary));
    // A kernel before plugin API 1.9: neither its start nor its record says.
    const older = new RequestEvents();
    const { billing: _olderBilling, ...olderStart } = older.started(1, '2026-11-03T12:00:00.000Z', secondary);
    deliver(sink, olderStart as LlmServiceEvent, older.succeeded(1, '2026-11-03T12:00:01.000Z', secondary));
    // A start that did not say, completed by a record that does.
    const recordSays = new RequestEvents();
    const { billing: _startBilling, ...silentStart } = recordSays.started(
      1,
      '2026-11-03T13:00:00.000Z',
      primary,
    );
    deliver(sink, silentStart as LlmServiceEvent);
    await sink.flush();
    elsewhere.recordAttempt({
      invocationId: recordSays.invocationId,
      chainId: recordSays.chainId,
      attempt: 1,
      project: 'default',
      agent: 'architect',
      tool: primary.tool,
      model: primary.model,
      reason: 'preferred',
      billing: 'subscription',
      baselineModel: primary.model,
      startedAt: '2026-11-03T13:00:00.000Z',
      finishedAt: '2026-11-03T13:00:01.000Z',
      latencyMs: 1000,
      status: 'success',
      promptSha256: 'a'.repeat(64),
      promptBytes: 400,
      pid: 4242,
    });
    // A request a policy blocked: no attempt ran, so nothing was paid, by the token as far as budgets care.
    const blocked = new RequestEvents({ billing: 'subscription' });
    play(sink, [
      blocked.received('2026-11-03T14:00:00.000Z'),
      blocked.planned('2026-11-03T14:00:00.000Z', [primary]),
      blocked.blocked(1, '2026-11-03T14:00:00.000Z', primary, 'over budget'),
      blocked.completed('2026-11-03T14:00:00.000Z', 'blocked', 0),
    ]);
    await sink.flush();
    await elsewhere.flush();
    expect(rows(store).map((row) => [row.invocation_id, row.status, row.billing])).toEqual([
      [together.invocationId, 'success', 'subscription'],
      [apart.invocationId, 'success', 'subscription'],
      [older.invocationId, 'success', 'api'],
      [recordSays.invocationId, 'success', 'subscription'],
      [blocked.invocationId, 'blocked', 'api'],
    ]);
    const recorded = await new TelemetryQuery(store).invocations({});
    expect(recorded.map((record) => record.billing)).toEqual([
      'api',
      'subscription',
      'api',
      'subscription',
      'subscription',
    ]);
  });

  it('records the reason of a forced run when the kernel sends one, redacted', async () => {
    const store = temporary.sqlite();
    const { sink } = sinkFor(store);
    const request = new RequestEvents();
    play(sink, [
      {
        ...request.started(1, '2026-11-03T10:00:00.000Z', primary),
        forceReason: 'release day, token=abcdef12345',
      },
      request.succeeded(1, '2026-11-03T10:00:01.000Z', primary),
    ] as LlmServiceEvent[]);
    await sink.flush();
    expect(rows(store)).toMatchObject([{ force_reason: 'release day, token=[REDACTED]' }]);
  });

  it('records a fallback chain of three tries as three rows of one invocation', async () => {
    const store = temporary.sqlite();
    const { sink } = sinkFor(store);
    const request = new RequestEvents();
    const at = (second: number) => `2026-11-03T10:00:0${second}.000Z`;
    play(sink, [
      request.received(at(0)),
      request.planned(at(0), [primary, secondary, tertiary]),
      request.started(1, at(0), primary),
      request.failed(
        1,
        at(1),
        primary,
        'auth',
        'ERROR: 401 Unauthorized: invalid x-api-key sk-ant-api03-abcdefghijklmnop',
      ),
      request.started(2, at(1), secondary),
      request.failed(2, at(2), secondary, 'timeout', 'timed out after 30 s'),
      request.started(3, at(2), tertiary),
      request.succeeded(3, at(3), tertiary),
      request.completed(at(3), 'success', 3),
    ]);
    await sink.flush();
    const recorded = rows(store);
    expect(
      recorded.map((row) => [
        row.invocation_id,
        row.attempt,
        row.tool,
        row.model,
        row.reason,
        row.status,
        row.error_kind,
      ]),
    ).toEqual([
      [request.invocationId, 1, 'claude', 'claude-sonnet-4-5', 'preferred', 'failed', 'auth'],
      [request.invocationId, 2, 'codex', 'gpt-5', 'fallback', 'timeout', 'timeout'],
      [request.invocationId, 3, 'ollama', 'qwen2.5:7b', 'fallback', 'success', null],
    ]);
    expect(recorded[0]!.message).toBe('ERROR: 401 Unauthorized: invalid x-api-key sk-[REDACTED]');
  });

  it('records a request blocked by a policy, with its reason', async () => {
    const store = temporary.sqlite();
    const { sink } = sinkFor(store);
    const request = new RequestEvents({ agent: 'backend-dev' });
    play(sink, [
      request.received('2026-11-03T10:00:00.000Z'),
      request.planned('2026-11-03T10:00:00.000Z', [primary]),
      request.blocked(
        0,
        '2026-11-03T10:00:00.001Z',
        primary,
        'global daily budget of $10.00 reached ($10.20 spent)',
      ),
      request.completed('2026-11-03T10:00:00.002Z', 'blocked', 0),
    ]);
    await sink.flush();
    expect(rows(store)).toMatchObject([
      {
        agent: 'backend-dev',
        attempt: 1,
        tool: 'claude',
        model: 'claude-sonnet-4-5',
        status: 'blocked',
        error_kind: 'policy',
        message: 'budget: global daily budget of $10.00 reached ($10.20 spent)',
        cost_usd: null,
      },
    ]);
  });

  it('records a block that did not end the request only when no candidate was left', async () => {
    const store = temporary.sqlite();
    const { sink } = sinkFor(store);
    const fallback = new RequestEvents();
    play(sink, [
      fallback.received('2026-11-03T10:00:00.000Z'),
      fallback.blocked(0, '2026-11-03T10:00:00.000Z', primary, 'tool budget reached', false),
      fallback.started(1, '2026-11-03T10:00:00.000Z', secondary),
      fallback.succeeded(1, '2026-11-03T10:00:01.000Z', secondary),
      fallback.completed('2026-11-03T10:00:01.000Z', 'success', 1),
    ]);
    const last = new RequestEvents();
    play(sink, [
      last.received('2026-11-03T11:00:00.000Z'),
      last.blocked(0, '2026-11-03T11:00:00.000Z', primary, 'model budget reached', false),
      last.completed('2026-11-03T11:00:00.000Z', 'blocked', 0),
    ]);
    await sink.flush();
    expect(rows(store).map((row) => [row.invocation_id, row.status, row.tool, row.message])).toEqual([
      [fallback.invocationId, 'success', 'codex', null],
      [last.invocationId, 'blocked', 'claude', 'budget: model budget reached'],
    ]);
  });

  it('records cancelled attempts, and a request cancelled before any attempt started', async () => {
    const store = temporary.sqlite();
    const { sink } = sinkFor(store);
    const during = new RequestEvents();
    play(sink, [
      during.received('2026-11-03T10:00:00.000Z'),
      during.started(1, '2026-11-03T10:00:00.000Z', primary),
      during.failed(1, '2026-11-03T10:00:05.000Z', primary, 'cancelled', 'cancelled'),
      during.completed('2026-11-03T10:00:05.000Z', 'cancelled', 1),
    ]);
    const before = new RequestEvents();
    play(sink, [
      before.received('2026-11-03T11:00:00.000Z'),
      before.planned('2026-11-03T11:00:00.000Z', [secondary]),
      before.completed('2026-11-03T11:00:01.000Z', 'cancelled', 0),
    ]);
    await sink.flush();
    expect(rows(store).map((row) => [row.invocation_id, row.status, row.tool, row.message])).toEqual([
      [during.invocationId, 'cancelled', 'claude', 'cancelled'],
      [before.invocationId, 'cancelled', 'codex', 'cancelled before any attempt started'],
    ]);
  });

  it('stores a keyed prompt hash, never the plain one, and no answer unless capture_content is on', async () => {
    const store = temporary.sqlite();
    const { sink } = sinkFor(store);
    const promptSha256 = 'b'.repeat(64);
    play(
      sink,
      new RequestEvents({ promptSha256 }).success('2026-11-03T10:00:00.000Z', primary, {
        text: 'secret answer',
      }),
    );
    await sink.flush();
    const secret = (
      store.connection.open().prepare("SELECT value FROM meta WHERE key = 'prompt_hash_secret'").get() as {
        value: string;
      }
    ).value;
    const [row] = rows(store);
    expect(row!.prompt_sha256).not.toBe(promptSha256);
    expect(row!.prompt_sha256).toBe(
      createHmac('sha256', Buffer.from(secret, 'hex')).update(promptSha256).digest('hex'),
    );
    expect(store.connection.open().prepare('SELECT COUNT(*) AS n FROM invocation_content').get()).toEqual({
      n: 0,
    });

    const other = temporary.sqlite();
    const { sink: otherSink } = sinkFor(other);
    play(otherSink, new RequestEvents({ promptSha256 }).success('2026-11-03T10:00:00.000Z', primary));
    await otherSink.flush();
    expect(rows(other)[0]!.prompt_sha256).not.toBe(row!.prompt_sha256);
  });

  it('keeps the answer when capture_content is on', async () => {
    const store = temporary.sqlite();
    const { sink } = sinkFor(store, { captureContent: true });
    const request = new RequestEvents();
    play(sink, [
      request.received('2026-11-03T10:00:00.000Z'),
      request.started(1, '2026-11-03T10:00:00.000Z', primary),
    ]);
    await sink.flush();
    deliver(sink, request.succeeded(1, '2026-11-03T10:00:01.000Z', primary, { text: 'kept answer' }));
    await sink.flush();
    expect(store.connection.open().prepare('SELECT answer FROM invocation_content').all()).toEqual([
      { answer: 'kept answer' },
    ]);
  });

  it('commits at once when the queue reaches its batch size', () => {
    const store = temporary.sqlite();
    const { sink } = sinkFor(store, { maxBatch: 10 });
    for (let index = 0; index < 25; index++) {
      const request = new RequestEvents();
      deliver(sink, request.started(1, '2026-11-03T10:00:00.000Z', primary));
    }
    // Synchronously, before any microtask: two full batches are committed, five events still queued.
    const db = store.connection.open();
    expect(db.prepare('SELECT COUNT(*) AS n FROM invocations').get()).toEqual({ n: 20 });
  });

  it('completes a row started by an earlier batch, even one this sink did not insert', async () => {
    const store = temporary.sqlite();
    const first = sinkFor(store).sink;
    const request = new RequestEvents();
    deliver(first, request.started(1, '2026-11-03T10:00:00.000Z', primary));
    await first.flush();
    const second = sinkFor(store).sink;
    deliver(second, request.succeeded(1, '2026-11-03T10:00:01.000Z', primary));
    await second.flush();
    expect(rows(store)).toMatchObject([{ status: 'success', attempt: 1 }]);
    const orphan = new RequestEvents();
    deliver(second, orphan.failed(1, '2026-11-03T10:00:01.000Z', primary, 'tool-error', 'crashed', 250));
    await second.flush();
    expect(rows(store)[1]).toMatchObject({
      invocation_id: orphan.invocationId,
      status: 'failed',
      started_at: '2026-11-03T10:00:00.750Z',
    });
  });

  it('reports a database it cannot use once, and never throws into the request', async () => {
    const store = temporary.sqlite();
    store.connection.open().pragma('user_version = 99');
    await store.close();
    const reopened = temporary.track(new SqliteTelemetryStore({ path: store.location }));
    const { sink, warnings } = sinkFor(reopened);
    const request = new RequestEvents();
    expect(() => play(sink, request.success('2026-11-03T10:00:00.000Z', primary))).not.toThrow();
    // flush says so, so that the kernel keeps a cost held rather than settle what was never recorded.
    await expect(sink.flush()).rejects.toMatchObject({ code: 'E_TELEMETRY_WRITE' });
    play(sink, new RequestEvents().success('2026-11-03T10:00:00.000Z', primary));
    await expect(sink.flush()).rejects.toMatchObject({ code: 'E_TELEMETRY_WRITE' });
    await sink.dispose();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /telemetry not recorded .*schema version 99, newer than this llm-service understands/,
    );
  });

  it('commits queued work when the process exits before the microtask runs', () => {
    const store = temporary.sqlite();
    const { sink } = sinkFor(store);
    deliver(sink, new RequestEvents().started(1, '2026-11-03T10:00:00.000Z', primary));
    expect(process.listeners('exit')).toContain(commitQueuedTelemetry);
    commitQueuedTelemetry();
    expect(store.connection.open().prepare('SELECT COUNT(*) AS n FROM invocations').get()).toEqual({ n: 1 });
  });
});
