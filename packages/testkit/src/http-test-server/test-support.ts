import { afterEach, expect } from 'vitest';
import { startedServers } from '../testing/started-servers.js';

/** `startedServers` hooked into vitest: every server a test file starts is closed after each test. */
export function closedAfterEach<Args extends unknown[], Server extends { close(): Promise<void> }>(
  start: (...args: Args) => Promise<Server>,
): (...args: Args) => Promise<Server> {
  const servers = startedServers(start);
  afterEach(servers.closeAll);
  return servers.start;
}

/** The `data:` payloads of a server-sent event stream (blank-line separated, LF or CRLF), `[DONE]` kept as text. */
export function sseDataOf(text: string): unknown[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const data = block.split(/\r?\n/).find((line) => line.startsWith('data: '));
      expect(data, block).toBeDefined();
      const payload = data!.slice('data: '.length);
      return payload === '[DONE]' ? payload : (JSON.parse(payload) as unknown);
    });
}

export type TypedEvent = { type: string; [key: string]: unknown };

/** The payloads of a stream framed with `event:` lines, checking each line names its payload's `type`. */
export function typedEventsOf(text: string): TypedEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      const data = JSON.parse(dataLine!.slice('data: '.length)) as TypedEvent;
      expect(eventLine).toBe(`event: ${data.type}`);
      return data;
    });
}

/** Reads a streamed body until its text so far includes `marker`. */
export async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  marker: string,
): Promise<string> {
  let text = '';
  while (!text.includes(marker)) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`the stream ended before ${JSON.stringify(marker)}: ${text}`);
    text += new TextDecoder().decode(chunk.value);
  }
  return text;
}

/** Reads a streamed body to its end. */
export async function readRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  let text = '';
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
    text += new TextDecoder().decode(chunk.value);
  return text;
}
