import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from './event-bus.js';
import type { LlmServiceEvent } from './events.js';

function outputEvent(text: string): LlmServiceEvent {
  return {
    type: 'invocation.output',
    invocationId: 'i',
    chainId: 'c',
    attempt: 1,
    at: '2026-01-01T00:00:00.000Z',
    text,
  };
}

function completedEvent(): LlmServiceEvent {
  return {
    type: 'request.completed',
    invocationId: 'i',
    chainId: 'c',
    attempt: 0,
    at: '2026-01-01T00:00:00.000Z',
    agent: 'a',
    status: 'success',
    costUsd: 0,
    latencyMs: 1,
    attempts: 1,
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/** Counts uncaught exceptions and unhandled rejections while a test runs. */
let uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);
beforeEach(() => {
  uncaught = [];
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
});
afterEach(() => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
});

describe('EventBus', () => {
  it('delivers events synchronously, in order, to every subscriber', () => {
    const bus = new EventBus(() => {});
    const first: string[] = [];
    const second: string[] = [];
    bus.subscribe('first', (event) => void first.push(event.type));
    bus.subscribe('second', (event) => void second.push(event.type));
    bus.emit(outputEvent('a'));
    bus.emit(completedEvent());
    expect(first).toEqual(['invocation.output', 'request.completed']);
    expect(second).toEqual(first);
  });

  it('reports a subscriber that throws once, removes it, and keeps delivering to the others', async () => {
    const reports: [string, unknown][] = [];
    const bus = new EventBus((name, error) => reports.push([name, error]));
    let throwingCalls = 0;
    const received: string[] = [];
    bus.subscribe('throws', () => {
      throwingCalls++;
      throw new Error('boom');
    });
    bus.subscribe(
      'healthy',
      (event) => void received.push(event.type === 'invocation.output' ? event.text : event.type),
    );

    expect(() => bus.emit(outputEvent('one'))).not.toThrow();
    expect(() => bus.emit(outputEvent('two'))).not.toThrow();
    expect(() => bus.emit(outputEvent('three'))).not.toThrow();

    expect(throwingCalls).toBe(1);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.[0]).toBe('throws');
    expect((reports[0]?.[1] as Error).message).toBe('boom');
    expect(received).toEqual(['one', 'two', 'three']);
    await settle();
    expect(uncaught).toEqual([]);
  });

  it('reports an async subscriber that rejects once and removes it', async () => {
    const reports: string[] = [];
    const bus = new EventBus((name) => reports.push(name));
    let calls = 0;
    const received: number[] = [];
    bus.subscribe('rejects', async () => {
      calls++;
      await Promise.resolve();
      throw new Error('async boom');
    });
    bus.subscribe('healthy', () => void received.push(received.length));

    // Two events arrive before the first rejection is seen: both calls reject, yet it is reported once.
    bus.emit(outputEvent('one'));
    bus.emit(outputEvent('two'));
    await settle();
    bus.emit(outputEvent('three'));
    await settle();

    expect(calls).toBe(2);
    expect(reports).toEqual(['rejects']);
    expect(received).toHaveLength(3);
    expect(uncaught).toEqual([]);
  });

  it('never throws from emit, even when the failure reporter itself throws', async () => {
    const bus = new EventBus(() => {
      throw new Error('stderr is closed');
    });
    bus.subscribe('throws', () => {
      throw new Error('boom');
    });
    bus.subscribe('rejects', () => Promise.reject(new Error('async boom')));
    expect(() => bus.emit(outputEvent('one'))).not.toThrow();
    await settle();
    expect(uncaught).toEqual([]);
  });

  it('a subscriber can unsubscribe, and `on` filters by type', () => {
    const bus = new EventBus(() => {});
    const all: string[] = [];
    const completed: string[] = [];
    const subscription = bus.subscribe('all', (event) => void all.push(event.type));
    bus.on('request.completed', 'completed', (event) => void completed.push(event.status));
    bus.emit(outputEvent('a'));
    subscription.unsubscribe();
    bus.emit(completedEvent());
    expect(all).toEqual(['invocation.output']);
    expect(completed).toEqual(['success']);
  });

  it('a throwing `on` subscriber is removed like any other', async () => {
    const reports: string[] = [];
    const bus = new EventBus((name) => reports.push(name));
    bus.on('request.completed', 'sink', () => {
      throw new Error('disk full');
    });
    bus.emit(outputEvent('ignored by the filter'));
    bus.emit(completedEvent());
    bus.emit(completedEvent());
    expect(reports).toEqual(['sink']);
    await settle();
    expect(uncaught).toEqual([]);
  });
});

describe('why the bus wraps subscribers', () => {
  it('a raw rxjs Subject subscriber that throws kills the process', () => {
    const rxjsPath = createRequire(import.meta.url).resolve('rxjs');
    const dir = mkdtempSync(join(tmpdir(), 'llm-service-rxjs-'));
    try {
      const script = join(dir, 'raw-subject.mjs');
      writeFileSync(
        script,
        [
          `import { Subject } from ${JSON.stringify(pathToFileURL(rxjsPath).href)};`,
          'const subject = new Subject();',
          "subject.subscribe(() => { throw new Error('subscriber failed'); });",
          "subject.subscribe((value) => console.log('healthy got', value));",
          'subject.next(1);',
          "console.log('next returned');",
          "setTimeout(() => { console.log('survived'); }, 200);",
        ].join('\n'),
      );
      const result = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 10_000 });
      // rxjs swallows the error on the emitter's stack and rethrows it from a timer, where nothing can catch it.
      expect(result.stdout).toContain('next returned');
      expect(result.stdout).not.toContain('survived');
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('subscriber failed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the same subscriber through the EventBus leaves no uncaught exception behind', async () => {
    const reports: string[] = [];
    const bus = new EventBus((name) => reports.push(name));
    bus.subscribe('throws', () => {
      throw new Error('subscriber failed');
    });
    bus.emit(outputEvent('one'));
    await settle();
    expect(uncaught).toEqual([]);
    expect(reports).toEqual(['throws']);
  });
});
