import { describe, expect, it } from 'vitest';
import { z, type ToolConfig } from '@llm-service/spec';
import { collectInvocation, invocationRequestFor } from './invocation.js';
import { createScriptedAdapter } from './scripted-adapter.js';
import { sampleTool } from './sample-tool.js';

const tool = sampleTool;

const optionsSchema = z.strictObject({ depth: z.number().default(1) });
const invocationRequest = invocationRequestFor<ToolConfig, z.infer<typeof optionsSchema>>({
  toolId: 'x-tool',
  model: 'm',
  timeoutMs: 5_000,
  parseOptions: (raw) => optionsSchema.parse(raw),
});

describe('invocationRequestFor', () => {
  it('fills in the adapter’s defaults, encodes the prompt, and validates raw options through its schema', () => {
    const request = invocationRequest(tool, 'héllo');
    expect(request).toMatchObject({ toolId: 'x-tool', model: 'm', timeoutMs: 5_000, attempt: 1, tool });
    expect(new TextDecoder().decode(request.prompt)).toBe('héllo');
    expect(request.adapterOptions).toBeUndefined();
    expect(invocationRequest(tool, 'hi', { adapterOptions: {}, attempt: 2 })).toMatchObject({
      adapterOptions: { depth: 1 },
      attempt: 2,
    });
    expect(() => invocationRequest(tool, 'hi', { adapterOptions: { deep: true } })).toThrow(/deep/);
    const bytes = Uint8Array.from([0xff]);
    expect(invocationRequest(tool, bytes).prompt).toBe(bytes);
  });
});

describe('collectInvocation', () => {
  it('collects outputs as they arrive and the result', async () => {
    const adapter = createScriptedAdapter('x', [{ answer: ['a', { text: 'b', delayMs: 5 }] }]);
    const seen: string[] = [];
    const outcome = await collectInvocation(adapter, invocationRequest(tool, 'hi'), {
      onOutput: (text) => seen.push(text),
    });
    expect(seen).toEqual(['a', 'b']);
    expect(outcome).toMatchObject({ outputs: ['a', 'b'], result: { text: 'ab' }, error: undefined });
  });

  it('resolves with the error of a failed invocation, and cancels through the signal', async () => {
    const failing = createScriptedAdapter('x', [{ fail: 'auth', message: 'no key', output: ['part'] }]);
    const failed = await collectInvocation(failing, invocationRequest(tool, 'hi'));
    expect(failed).toMatchObject({ outputs: ['part'], result: undefined, error: { kind: 'auth' } });
    expect(failed.error?.message).toBe('no key');

    const controller = new AbortController();
    const hanging = createScriptedAdapter('x', [{ hang: true }]);
    const pending = collectInvocation(hanging, invocationRequest(tool, 'hi'), { signal: controller.signal });
    controller.abort();
    expect((await pending).error).toMatchObject({ kind: 'cancelled' });
  });
});
