import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRegularFile } from './read-regular-file.js';

const dir = mkdtempSync(join(tmpdir(), 'llm-service-read-regular-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mib = 1024 * 1024;

describe('readRegularFile', () => {
  it('reads an ordinary file up to the cap, and refuses one a byte over with figures that differ', () => {
    writeFileSync(join(dir, 'at-cap'), Buffer.alloc(mib, 'a'));
    writeFileSync(join(dir, 'over'), Buffer.alloc(mib + 1, 'a'));
    writeFileSync(join(dir, 'twice'), Buffer.alloc(2 * mib, 'a'));
    const atCap = readRegularFile(join(dir, 'at-cap'), { maxBytes: mib });
    expect(atCap.ok && atCap.bytes.length).toBe(mib);
    expect(readRegularFile(join(dir, 'over'), { maxBytes: mib })).toEqual({
      ok: false,
      reason: 'too-large',
      message: 'it is 1,048,577 bytes; the limit is 1,048,576 bytes',
    });
    expect(readRegularFile(join(dir, 'twice'), { maxBytes: mib })).toMatchObject({
      message: 'it is 2.0 MiB; the limit is 1.0 MiB',
    });
  });

  it('never reads from a device or a FIFO, even through a link', () => {
    symlinkSync('/dev/zero', join(dir, 'zero-link'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    for (const name of ['zero-link', 'fifo'])
      expect(readRegularFile(join(dir, name), { maxBytes: mib }), name).toMatchObject({
        ok: false,
        reason: 'not-regular',
      });
    expect(readRegularFile(join(dir, 'absent'), { maxBytes: mib })).toMatchObject({ reason: 'missing' });
  });
});
