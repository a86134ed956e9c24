import { describe, expect, it } from 'vitest';
import { emptyUsage, type AdapterEvent, type InvocationResult } from '@llm-service/spec';
import { invocationObservable } from './invocation-observable.js';

const result: InvocationResult = { text: 'ans', usage: emptyUsage, model: 'm', exitCode: 0, durationMs: 1 };

describe('invocationObservable', () => {
  it('ends the run it started when unsubscribed before the run ended', () => {
    let runSignal: AbortSignal | undefined;
    const subscription = invocationObservable(new AbortController().signal, (signal) => {
      runSignal = signal;
      return new Promise<InvocationResult>(() => undefined);
    }).subscribe();
    subscription.unsubscribe();
    expect(runSignal?.aborted).toBe(true);
  });

  it('passes the caller abort on to the run', () => {
    const caller = new AbortController();
    let runSignal: AbortSignal | undefined;
    invocationObservable(caller.signal, (signal) => {
      runSignal = signal;
      return new Promise<InvocationResult>(() => undefined);
    }).subscribe();
    caller.abort();
    expect(runSignal?.aborted).toBe(true);
  });

  it('leaves the signal of a run that ended alone: its output, then its result, and nothing aborted', async () => {
    let runSignal: AbortSignal | undefined;
    const events: AdapterEvent[] = [];
    await new Promise<void>((done) =>
      invocationObservable(new AbortController().signal, async (signal, onText) => {
        runSignal = signal;
        onText('ans');
        return result;
      }).subscribe({ next: (event) => events.push(event), complete: done }),
    );
    expect(events.map((event) => event.type)).toEqual(['output', 'result']);
    expect(runSignal?.aborted).toBe(false);
  });
});
