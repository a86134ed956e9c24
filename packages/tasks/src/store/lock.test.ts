import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, withWorkDirLock } from './lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llm-service-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the work directory lock', () => {
  it('runs work one at a time in this process, and removes its lock file after', async () => {
    const order: string[] = [];
    const slow = withWorkDirLock(dir, async () => {
      order.push('slow start');
      await new Promise((resolve) => setTimeout(resolve, 50));
      order.push('slow end');
    });
    const fast = withWorkDirLock(dir, async () => {
      order.push('fast');
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(['slow start', 'slow end', 'fast']);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it("waits for another process's lock, gives up with E_TASK_LOCKED, and takes over one a crash left", async () => {
    writeFileSync(join(dir, LOCK_FILE), '');
    await expect(withWorkDirLock(dir, async () => 'ran', { waitMs: 100 })).rejects.toMatchObject({
      code: 'E_TASK_LOCKED',
      exitCode: 1,
    });
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, LOCK_FILE), old, old);
    await expect(withWorkDirLock(dir, async () => 'ran', { waitMs: 100 })).resolves.toBe('ran');
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});
