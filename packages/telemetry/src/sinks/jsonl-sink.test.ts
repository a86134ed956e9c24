import { readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestEvents } from '../testing/event-fixtures.js';
import { TemporaryStores } from '../testing/temporary-store.js';
import { JsonlSink } from './jsonl-sink.js';

const temporary = new TemporaryStores();
afterEach(() => temporary.cleanup());

function lines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function sinkAt(
  path: string,
  options: { captureContent?: boolean; maxBytes?: number; maxFiles?: number } = {},
) {
  return new JsonlSink({
    path,
    maxBytes: options.maxBytes ?? 1024 * 1024,
    maxFiles: options.maxFiles ?? 3,
    captureContent: options.captureContent ?? false,
    keyPromptHash: (sha) => `keyed(${sha.slice(0, 4)})`,
    logger: { warn: () => undefined },
  });
}

describe('the JSONL sink', () => {
  it('appends one event a line, owner-readable, without prompt or answer text and with secrets redacted', async () => {
    const path = join(temporary.dir(), 'logs', 'events.jsonl');
    const sink = sinkAt(path);
    const request = new RequestEvents();
    const candidate = { tool: 'claude', model: 'm' };
    for (const event of [
      request.received('2026-11-25T10:00:00.000Z'),
      request.started(1, '2026-11-25T10:00:00.000Z', candidate),
      {
        type: 'invocation.output' as const,
        invocationId: request.invocationId,
        chainId: request.chainId,
        attempt: 1,
        at: '2026-11-25T10:00:00.500Z',
        text: 'partial',
      },
      request.failed(1, '2026-11-25T10:00:01.000Z', candidate, 'auth', 'bad key sk-abcdefghijklmnopqrstu'),
      request.succeeded(2, '2026-11-25T10:00:02.000Z', candidate, { text: 'the secret answer' }),
      request.completed('2026-11-25T10:00:02.000Z', 'success', 2),
    ])
      sink.handle(event);
    await sink.dispose();
    const written = lines(path);
    expect(written.map((line) => line.type)).toEqual([
      'request.received',
      'invocation.started',
      'invocation.failed',
      'invocation.succeeded',
      'request.completed',
    ]);
    expect(written[0]!.promptSha256).toBe('keyed(aaaa)');
    expect(written[2]!.message).toBe('bad key sk-[REDACTED]');
    expect(written[3]).not.toHaveProperty('text');
    expect(readFileSync(path, 'utf8')).not.toContain('secret answer');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('keeps the text when capture_content is on', async () => {
    const path = join(temporary.dir(), 'events.jsonl');
    const sink = sinkAt(path, { captureContent: true });
    const request = new RequestEvents();
    sink.handle(
      request.succeeded(1, '2026-11-25T10:00:02.000Z', { tool: 't', model: 'm' }, { text: 'kept' }),
    );
    await sink.dispose();
    expect(lines(path)[0]!.text).toBe('kept');
  });

  it('rotates by size, keeping whole lines and a bounded number of files', async () => {
    const dir = temporary.dir();
    const path = join(dir, 'events.jsonl');
    const sink = sinkAt(path, { maxBytes: 4096, maxFiles: 2 });
    const request = new RequestEvents();
    for (let index = 0; index < 200; index++)
      sink.handle(request.completed(`2026-11-25T10:00:00.000Z`, 'success', index));
    await sink.dispose();
    expect(readdirSync(dir).sort()).toEqual(['events.jsonl', 'events.jsonl.1', 'events.jsonl.2']);
    for (const file of ['events.jsonl', 'events.jsonl.1', 'events.jsonl.2']) {
      expect(statSync(join(dir, file)).size).toBeLessThanOrEqual(4096);
      expect(lines(join(dir, file)).every((line) => line.type === 'request.completed')).toBe(true);
    }
    const attempts = [...lines(`${path}.2`), ...lines(`${path}.1`), ...lines(path)].map(
      (line) => line.attempts,
    );
    expect(attempts).toEqual(
      Array.from({ length: attempts.length }, (_, index) => 200 - attempts.length + index),
    );
  });

  it('leaves no half line when a write fails part-way (a full disk), and says "disk full"', () => {
    const path = join(temporary.dir(), 'events.jsonl');
    const warnings: string[] = [];
    let disk: 'room' | 'filling' | 'full' = 'room';
    const sink = new JsonlSink({
      path,
      maxBytes: 1024 * 1024,
      maxFiles: 3,
      captureContent: false,
      keyPromptHash: () => undefined,
      logger: { warn: (message) => warnings.push(message) },
      // A disk that fills up part-way through one line, as write(2) reports it: a short write of what fit, then
      // ENOSPC for the rest.
      write: (fd, buffer, offset, length) => {
        if (disk === 'room') return writeSync(fd, buffer, offset, length);
        if (disk === 'filling') {
          disk = 'full';
          return writeSync(fd, buffer, offset, 10);
        }
        disk = 'room';
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    });
    const request = new RequestEvents();
    sink.handle(request.received('2026-11-25T10:00:00.000Z'));
    disk = 'filling';
    sink.handle(request.started(1, '2026-11-25T10:00:01.000Z', { tool: 'claude', model: 'm' }));
    sink.handle(request.completed('2026-11-25T10:00:02.000Z', 'success', 1));
    // Every line is whole JSON: the cut-short one was removed, and the next event did not glue onto it.
    expect(lines(path).map((line) => line.type)).toEqual(['request.received', 'request.completed']);
    expect(warnings).toEqual([
      `telemetry (JSONL) not recorded (1 event lost): disk full: no space left on the file system of ${path}`,
    ]);
  });
});
