import { afterEach, describe, expect, it } from 'vitest';
import { attemptRowForTests } from '@llm-service/testkit';
import type { AttemptWriteV1 } from '@llm-service/spec';
import { TemporaryStores } from '../testing/temporary-store.js';
import { Checkpoint, copyAttempts } from './run-migrate.js';

const temporary = new TemporaryStores();
afterEach(() => temporary.cleanup());

const rows = (count: number) =>
  Array.from({ length: count }, (_, index) =>
    attemptRowForTests({ invocationId: `inv-${String(index).padStart(3, '0')}` }),
  );

describe('telemetry migrate: copying a history into another store', () => {
  it('copies every attempt once, however often it runs', async () => {
    const from = temporary.sqlite();
    const to = temporary.sqlite();
    await from.write(rows(25).map((row) => ({ kind: 'end', row })));
    const seen: number[] = [];
    expect(await copyAttempts(from, to, (progress) => seen.push(progress.copied), undefined, 10)).toEqual({
      copied: 25,
      total: 25,
    });
    expect(seen).toEqual([0, 10, 20, 25]);
    await copyAttempts(from, to, undefined, undefined, 10);
    expect(await to.count()).toBe(25);
    expect(await to.exportAttempts(undefined, 100)).toEqual(await from.exportAttempts(undefined, 100));
  });

  it('resumes an interrupted copy after its last batch, and starts over once it completed', async () => {
    const from = temporary.sqlite();
    const to = temporary.sqlite();
    await from.write(rows(30).map((row) => ({ kind: 'end', row })));
    const checkpoint = new Checkpoint(from.location, 'postgresql://team@db/telemetry');
    // A target that fails on its third batch, as a lost connection would.
    let batches = 0;
    const failing = Object.create(to) as typeof to;
    failing.write = async (batch: readonly AttemptWriteV1[]) => {
      if (++batches === 3) throw new Error('connection lost');
      return to.write(batch);
    };
    await expect(copyAttempts(from, failing, undefined, checkpoint, 10)).rejects.toThrow('connection lost');
    expect(checkpoint.read()).toEqual({ after: { invocationId: 'inv-019', attempt: 1 }, copied: 20 });
    const progress: number[] = [];
    await copyAttempts(from, to, (each) => progress.push(each.copied), checkpoint, 10);
    // Resumed at 20: only the last batch was read and written again.
    expect(progress).toEqual([20, 30]);
    expect(await to.count()).toBe(30);
    expect(checkpoint.read()).toBeUndefined();
  });
});
