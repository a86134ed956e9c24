import { attemptRowForTests } from '@llm-service/testkit';
import { describe, expect, it } from 'vitest';
import { postgresSkipReason, usePostgres } from './support/server.js';

const skipReason = await postgresSkipReason();

describe.skipIf(skipReason !== undefined)(`watch ${skipReason ?? ''}`, () => {
  const postgres = usePostgres();

  it("hears another store's commit, and nothing once stopped", async () => {
    const url = await postgres.database();
    const [watcher, writer] = [postgres.open(url), postgres.open(url)];
    let calls = 0;
    const stop = watcher.watch(() => (calls += 1));
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // The LISTEN starts in the background: write until it is heard (a missed early write is no failure).
    for (let written = 0; calls === 0 && written < 50; written++) {
      await writer.write([{ kind: 'end', row: attemptRowForTests({ invocationId: `a-${written}` }) }]);
      await sleep(100);
    }
    expect(calls).toBeGreaterThan(0);
    stop();
    const heard = calls;
    await writer.write([{ kind: 'end', row: attemptRowForTests({ invocationId: 'after-stop' }) }]);
    await sleep(300);
    expect(calls).toBe(heard);
  });
});
