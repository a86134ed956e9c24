import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeUtf8, readTextFile } from './read-text-file.js';

const dir = mkdtempSync(join(tmpdir(), 'llm-service-read-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const notUtf8OnLine3 = Buffer.concat([
  Buffer.from('version: 1\nagents:\n  caf'),
  Buffer.from([0xe9]),
  Buffer.from(': {}\n'),
]);

describe('decodeUtf8', () => {
  it('decodes UTF-8, multi-byte characters included', () => {
    expect(decodeUtf8(Buffer.from('café: ☕\n'))).toEqual({ ok: true, text: 'café: ☕\n' });
  });

  it('names the line of the first byte that is not UTF-8 instead of replacing it', () => {
    expect(decodeUtf8(notUtf8OnLine3)).toEqual({ ok: false, line: 3 });
    expect(decodeUtf8(Buffer.from([0x69, 0x64, 0x3a, 0x20, 0xff, 0xfe, 0x0a]))).toEqual({
      ok: false,
      line: 1,
    });
    // A character cut short at the very end of the file.
    expect(decodeUtf8(Buffer.from([0x61, 0x0a, 0x62, 0x0a, 0xe2, 0x98]))).toEqual({ ok: false, line: 3 });
  });
});

describe('readTextFile', () => {
  it('reads a UTF-8 file as text', () => {
    writeFileSync(join(dir, 'good.yaml'), 'version: 1\n');
    expect(readTextFile(join(dir, 'good.yaml'), { maxBytes: 1024 })).toEqual({
      ok: true,
      text: 'version: 1\n',
    });
  });

  it('refuses bytes that are not UTF-8, at their line', () => {
    writeFileSync(join(dir, 'latin1.yaml'), notUtf8OnLine3);
    expect(readTextFile(join(dir, 'latin1.yaml'), { maxBytes: 1024 })).toEqual({
      ok: false,
      reason: 'not-utf8',
      message: 'it is not UTF-8 text (line 3)',
      line: 3,
    });
  });

  it("passes on readRegularFile's refusals: missing, too large, not a regular file", () => {
    writeFileSync(join(dir, 'big.yaml'), 'x'.repeat(2048));
    expect(readTextFile(join(dir, 'absent.yaml'), { maxBytes: 1024 })).toMatchObject({ reason: 'missing' });
    expect(readTextFile(join(dir, 'big.yaml'), { maxBytes: 1024 })).toMatchObject({
      reason: 'too-large',
      message: 'it is 2 KiB; the limit is 1 KiB',
    });
    expect(readTextFile(dir, { maxBytes: 1024 })).toMatchObject({ reason: 'not-regular' });
  });
});
