import { describe, expect, it } from 'vitest';
import type { OutputSettings } from '../config/tool-settings-types.js';
import { createOutputReader } from './output-reader.js';

function reader(output: Partial<OutputSettings>) {
  const emitted: string[] = [];
  const instance = createOutputReader({ format: 'text', source: 'stdout', ...output }, (text) =>
    emitted.push(text),
  );
  return { instance, emitted };
}

describe('output readers', () => {
  it('text: emits as chunks arrive and holds back a split character until it is complete', () => {
    const { instance, emitted } = reader({});
    const bytes = Buffer.from('a€b', 'utf8'); // € is three bytes
    instance.onStdout(bytes.subarray(0, 2));
    expect(emitted).toEqual(['a']);
    instance.onStdout(bytes.subarray(2, 3));
    instance.onStdout(bytes.subarray(3));
    expect(instance.finish().text).toBe('a€b');
    expect(emitted).toEqual(['a', '€b']);
  });

  it('jsonl: reassembles a line split across chunks, even inside a multi-byte character', () => {
    const { instance, emitted } = reader({ format: 'jsonl', text: 't', output_tokens: 'n' });
    const stream = Buffer.from('{"t":"é","n":1}\n{"t":"x","n":2}\n', 'utf8');
    instance.onStdout(stream.subarray(0, 7));
    expect(emitted).toEqual([]);
    instance.onStdout(stream.subarray(7));
    const parsed = instance.finish();
    expect(emitted).toEqual(['é', 'x']);
    expect(parsed.text).toBe('éx');
    expect(parsed.usage.outputTokens).toBe(3);
  });

  it('jsonl: requires a text match on at least one line', () => {
    const { instance } = reader({ format: 'jsonl', text: 'missing' });
    instance.onStdout(Buffer.from('{"other":1}\n'));
    expect(() => instance.finish()).toThrow(expect.objectContaining({ kind: 'bad-output' }));
  });

  it('jsonl: stops emitting after a bad line and reports it', () => {
    const { instance, emitted } = reader({ format: 'jsonl', text: 't' });
    instance.onStdout(Buffer.from('{"t":"a"}\nnot json\n{"t":"b"}\n'));
    expect(emitted).toEqual(['a']);
    expect(() => instance.finish()).toThrow(
      expect.objectContaining({ kind: 'bad-output', detail: 'not json' }),
    );
  });

  it('json: numbers are summed, non-numbers ignored, cost absent when nothing matched', () => {
    const { instance, emitted } = reader({
      format: 'json',
      text: 'a.*',
      input_tokens: 'u.*',
      cost_usd: 'cost',
    });
    instance.onStdout(Buffer.from('{"a":["x",1,"y"],"u":[1,"2",3.5,null]}'));
    const parsed = instance.finish();
    expect(parsed).toEqual({
      text: 'xy',
      usage: { inputTokens: 4.5, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
      usageReported: true,
    });
    expect(emitted).toEqual(['xy']);
  });

  it('says no usage was reported for plain text, and for JSON where no usage path matched a number', () => {
    const text = reader({ format: 'text' });
    text.instance.onStdout(Buffer.from('plain answer'));
    expect(text.instance.finish()).toMatchObject({ text: 'plain answer', usageReported: false });
    const json = reader({ format: 'json', text: 'a', input_tokens: 'usage.in' });
    json.instance.onStdout(Buffer.from('{"a":"x","usage":{"in":"many"}}'));
    expect(json.instance.finish()).toMatchObject({ text: 'x', usageReported: false });
  });

  it('json: empty output is bad-output', () => {
    const { instance } = reader({ format: 'json', text: 'a' });
    expect(() => instance.finish()).toThrow(expect.objectContaining({ kind: 'bad-output' }));
  });

  it('file: ignores stdout and emits the file text once', () => {
    const { instance, emitted } = reader({ source: 'file', format: 'jsonl', text: 't' });
    instance.onStdout(Buffer.from('progress output'));
    const parsed = instance.finish(Buffer.from('{"t":"a"}\n{"t":"b"}\n'));
    expect(parsed.text).toBe('ab');
    expect(emitted).toEqual(['ab']);
  });
});
