import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreSink } from '../sinks/store-sink.js';
import { deliver, RequestEvents } from '../testing/event-fixtures.js';
import { TemporaryStores } from '../testing/temporary-store.js';
import { TelemetryQuery } from './telemetry-query.js';
import { watchFiles } from './watch-files.js';

const temporary = new TemporaryStores();
const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  temporary.cleanup();
});

/** Resolves on the next call of the returned callback, or rejects after a few seconds. */
function nextCall(): { callback: () => void; called: Promise<void> } {
  let resolve!: () => void;
  const called = new Promise<void>((settle, reject) => {
    resolve = settle;
    setTimeout(() => reject(new Error('no change was reported within 5 s')), 5_000);
  });
  return { callback: () => resolve(), called };
}

describe('watching telemetry for other processes’ writes', () => {
  it('reports a commit to the database', async () => {
    const store = temporary.sqlite();
    const sink = new StoreSink({ store, captureContent: false, logger: { warn: () => undefined } });
    store.connection.open();
    const { callback, called } = nextCall();
    const query = new TelemetryQuery(store);
    stops.push(query.watch(callback));
    for (const event of new RequestEvents({ agent: 'writer' }).success('2026-11-25T10:00:00.000Z', {
      tool: 'claude',
      model: 'haiku',
    })) {
      deliver(sink, event);
    }
    await sink.flush();
    await called;
  });

  it('reports an append to the event stream, also to a file created after watching began, and no other file', async () => {
    const dir = temporary.dir();
    let otherFileReports = 0;
    stops.push(watchFiles([join(dir, 'other.jsonl')], () => otherFileReports++));
    const { callback, called } = nextCall();
    stops.push(watchFiles([join(dir, 'events.jsonl')], callback));
    // Written first: its event comes before the stream's, so it would have been reported by now.
    writeFileSync(join(dir, 'notes.txt'), 'x');
    appendFileSync(join(dir, 'events.jsonl'), '{"type":"invocation.started"}\n');
    await called;
    expect(otherFileReports).toBe(0);
  });

  it('does nothing, and fails nothing, for a directory that does not exist', () => {
    const stop = watchFiles([join(temporary.dir(), 'missing', 'telemetry.db')], () => {
      throw new Error('not expected');
    });
    stop();
  });
});
