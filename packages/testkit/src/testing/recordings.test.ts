import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chunked, readRecording, runResultOf, writeRecording, type RecordedRunMeta } from './recordings.js';
import { removeTemporaryDirectories, temporaryDirectory } from './temporary-directories.js';

afterEach(removeTemporaryDirectories);

interface Meta extends RecordedRunMeta {
  requests: number;
}

describe('writeRecording and readRecording', () => {
  it('keep stdout byte for byte, and how the run ended with the meta as two-space JSON', () => {
    const dir = join(temporaryDirectory(), 'fixtures');
    const stdout = Buffer.from('{"a":"é"}\n\xff', 'latin1');
    const run = { stdout, exitCode: 1, signal: null, stderr: 'failed in /tmp/home-1' };
    writeRecording<Meta>(dir, 'run', run, { description: 'd', args: ['-p'], requests: 2 });
    const meta: Meta = {
      description: 'd',
      args: ['-p'],
      exitCode: 1,
      signal: null,
      stderr: run.stderr,
      requests: 2,
    };
    expect(readFileSync(join(dir, 'run.meta.json'), 'utf8')).toBe(`${JSON.stringify(meta, null, 2)}\n`);
    const read = readRecording<Meta>(dir, 'run');
    expect(read.stdout.equals(stdout)).toBe(true);
    expect(read.meta).toEqual(meta);
    expect(() => readRecording(dir, 'missing')).toThrow(/ENOENT/);

    writeRecording<Meta>(dir, 'redacted', run, {
      description: 'd',
      args: [],
      requests: 0,
      stderr: 'failed in $HOME',
    });
    expect(readRecording<Meta>(dir, 'redacted').meta.stderr).toBe('failed in $HOME');
  });
});

describe('runResultOf', () => {
  it('is the run result of the recorded ending, with overrides', () => {
    const meta = { exitCode: null, signal: 'SIGTERM' as const, stderr: 'killed', extra: true };
    expect(runResultOf(meta)).toEqual({
      exitCode: null,
      signal: 'SIGTERM',
      stdout: Buffer.alloc(0),
      stderr: 'killed',
      timedOut: false,
      cancelled: false,
      durationMs: 100,
      spawnError: undefined,
    });
    expect(runResultOf(meta, { timedOut: true })).toMatchObject({ timedOut: true, stderr: 'killed' });
  });
});

describe('chunked', () => {
  it('cuts bytes into pieces of the given sizes in turn, splitting a multi-byte character', () => {
    const bytes = Buffer.from('aé日本');
    const chunks = chunked(bytes, [1, 2]);
    expect(chunks.map((chunk) => chunk.length)).toEqual([1, 2, 1, 2, 1, 2]);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    expect(chunked(Buffer.alloc(0))).toEqual([]);
    expect(() => chunked(bytes, [0])).toThrow(/positive integers/);
  });
});
