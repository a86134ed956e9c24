import { describe, expect, it } from 'vitest';
import type { AdapterEvent, InvocationRequest, ToolAdapterV1, ToolConfig } from '@llm-service/spec';
import { lazyAdapter } from './lazy-adapter.js';
import { toolAdapter } from './tool-adapter.js';

const context = { configDir: '/config', env: {} };
const tool = { binary: 'x' } as unknown as ToolConfig;
const request = { tool } as unknown as InvocationRequest<ToolConfig, unknown>;

function loaded(runs: string[]): ToolAdapterV1<ToolConfig, unknown> {
  return toolAdapter({
    id: 'fake',
    detect: async () => ({ installed: true, credentials: [] }),
    run: async (_request, _signal, emit) => {
      runs.push('run');
      emit('hello');
      return { text: 'hello' } as never;
    },
  });
}

function collect(adapter: ToolAdapterV1<ToolConfig, unknown>): Promise<AdapterEvent[]> {
  return new Promise((resolve, reject) => {
    const events: AdapterEvent[] = [];
    adapter.invoke(request, new AbortController().signal).subscribe({
      next: (event) => events.push(event),
      error: reject,
      complete: () => resolve(events),
    });
  });
}

describe('lazyAdapter', () => {
  it('loads the implementation on first use, once, and not before', async () => {
    let loads = 0;
    const runs: string[] = [];
    const adapter = lazyAdapter('fake', async () => {
      loads += 1;
      return loaded(runs);
    });
    expect(adapter.id).toBe('fake');
    expect(loads).toBe(0);
    await expect(adapter.detect(tool, context)).resolves.toEqual({ installed: true, credentials: [] });
    const events = await collect(adapter);
    expect(events.map((event) => event.type)).toEqual(['output', 'result']);
    expect(loads).toBe(1);
    expect(runs).toEqual(['run']);
  });

  it('does not start a run that was unsubscribed while the implementation loaded', async () => {
    const runs: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const adapter = lazyAdapter('fake', async () => {
      await gate;
      return loaded(runs);
    });
    adapter.invoke(request, new AbortController().signal).subscribe({}).unsubscribe();
    release();
    await adapter.detect(tool, context);
    expect(runs).toEqual([]);
  });

  it('fails the run with the error of a load that failed', async () => {
    const adapter = lazyAdapter('fake', () => Promise.reject(new Error('missing chunk')));
    await expect(collect(adapter)).rejects.toThrow('missing chunk');
  });
});
