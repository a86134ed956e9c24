import { describe, expect, it } from 'vitest';
import {
  AnswerStreamParser,
  firstBytesLimit,
  JsonLinesReader,
  type AnswerStreamState,
} from './json-lines.js';

describe('JsonLinesReader', () => {
  it('parses each non-blank line, counts the others, and keeps the first bytes', () => {
    const values: unknown[] = [];
    let unreadable = 0;
    const reader = new JsonLinesReader(
      (value) => values.push(value),
      () => (unreadable += 1),
    );
    reader.push(Buffer.from('{"a":1}\r\n\nnot json\n{"b":'));
    reader.push(Buffer.from('2}'));
    reader.end();
    expect(values).toEqual([{ a: 1 }, { b: 2 }]);
    expect(unreadable).toBe(1);
    expect(reader.firstBytes).toBe('{"a":1}\r\n\nnot json\n{"b":2}');
    reader.push(Buffer.alloc(firstBytesLimit * 2, 'x'));
    expect(Buffer.byteLength(reader.firstBytes)).toBe(firstBytesLimit);
  });
});

interface FakeState extends AnswerStreamState {
  names: string[];
}

class FakeParser extends AnswerStreamParser<FakeState> {
  constructor(onText: (text: string) => void) {
    super({ names: [] }, onText);
  }

  protected readEvent(value: unknown): void {
    const text = (value as { text?: unknown }).text;
    if (typeof text !== 'string') {
      this.state.unreadableLines += 1;
      return;
    }
    this.state.events += 1;
    this.state.names.push(text);
    this.emitText(text);
  }
}

describe('AnswerStreamParser', () => {
  it('hands answer text on, counts events and unreadable lines, and skips empty text', () => {
    const texts: string[] = [];
    const parser = new FakeParser((text) => texts.push(text));
    parser.push(Buffer.from('{"text":"a"}\n{"text":""}\nplain\n{"other":1}\n{"text":"b"}'));
    parser.end();
    expect(texts).toEqual(['a', 'b']);
    expect(parser.state).toMatchObject({
      events: 3,
      unreadableLines: 2,
      emittedText: 'ab',
      names: ['a', '', 'b'],
    });
    expect(parser.state.firstBytes.startsWith('{"text":"a"}')).toBe(true);
  });
});
