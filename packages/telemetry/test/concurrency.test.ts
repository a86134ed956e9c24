import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { latestSchemaVersion } from '../src/store/migrations.js';
import { TelemetryStore } from '../src/store/store.js';
import { SqliteTelemetryStore } from '../src/sqlite/sqlite-store.js';
import { assertBuilt, startChild, stopChildren, waitFor } from './support/children.js';

const directories: string[] = [];
function temporaryDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-service-telemetry-processes-'));
  directories.push(dir);
  return dir;
}
afterEach(() => {
  stopChildren();
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});
beforeAll(() => assertBuilt());

describe('several processes sharing one telemetry database', () => {
  it('lets eight processes open (create and migrate) one fresh file at once', async () => {
    const path = join(temporaryDir(), 'fresh', 'telemetry.db');
    const children = Array.from({ length: 8 }, () =>
      startChild(
        `import { TelemetryStore } from 'DIST';
         const store = new TelemetryStore({ path: process.env.DB });
         const db = store.open();
         process.stdout.write(JSON.stringify({ version: db.pragma('user_version', { simple: true }),
           hash: store.promptHasher().hash('0'.repeat(64)) }));
         store.close();`,
        { DB: path },
      ),
    );
    const results = await Promise.all(children.map((child) => child.result));
    for (const result of results) expect(result).toMatchObject({ code: 0, stderr: '' });
    const outputs = results.map((result) => JSON.parse(result.stdout) as { version: number; hash: string });
    expect(new Set(outputs.map((output) => output.version))).toEqual(new Set([latestSchemaVersion]));
    // One secret: every process keyed the same prompt alike.
    expect(new Set(outputs.map((output) => output.hash)).size).toBe(1);
    const store = new TelemetryStore({ path });
    expect(store.open().prepare('SELECT COUNT(*) AS n FROM meta').get()).toEqual({ n: 1 });
    store.close();
  });

  it('admits exactly five of ten concurrent $1 reservations under a $5 limit', async () => {
    const path = join(temporaryDir(), 'telemetry.db');
    new TelemetryStore({ path }).open();
    // Each process reserves, reports, and holds its reservation (keeps living) until its stdin closes.
    const children = Array.from({ length: 10 }, () =>
      startChild(
        `import { SqliteTelemetryStore, SpendLedger } from 'DIST';
         const ledger = new SpendLedger(new SqliteTelemetryStore({ path: process.env.DB }));
         const outcome = await ledger.reserve({ scopes: ['global', 'agent:a'], estimateUsd: 1,
           limits: [{ scope: 'global', period: 'daily', limitUsd: 5 }] });
         process.stdout.write(JSON.stringify({ ok: outcome.ok }) + '\\n');
         process.stdin.resume();
         process.stdin.on('end', () => process.exit(0));`,
        { DB: path },
      ),
    );
    await waitFor(() => children.every((child) => child.output().includes('\n') || child.exitCode !== null));
    const outputs: string[] = [];
    for (const child of children) child.stdin!.end();
    for (const child of children) {
      const result = await child.result;
      expect(result.stderr).toBe('');
      outputs.push(result.stdout.trim());
    }
    const admitted = outputs.filter((line) => JSON.parse(line).ok === true).length;
    expect(admitted).toBe(5);
  });

  it('admits exactly five of ten concurrent $1 api reservations beside five subscription ones under a $5 api limit', async () => {
    const path = join(temporaryDir(), 'telemetry.db');
    new TelemetryStore({ path }).open();
    // Ten api attempts and five subscription ones, interleaved.
    const children = Array.from({ length: 15 }, (_, index) => (index % 3 === 1 ? 'subscription' : 'api')).map(
      (billing) =>
        startChild(
          `import { SqliteTelemetryStore, SpendLedger } from 'DIST';
           const ledger = new SpendLedger(new SqliteTelemetryStore({ path: process.env.DB }));
           const outcome = await ledger.reserve({ scopes: ['global'], estimateUsd: 1, billing: process.env.BILLING,
             limits: [{ scope: 'global', period: 'daily', limitUsd: 5 }] });
           process.stdout.write(JSON.stringify({ ok: outcome.ok, billing: process.env.BILLING }) + '\\n');
           process.stdin.resume();
           process.stdin.on('end', () => process.exit(0));`,
          { DB: path, BILLING: billing },
        ),
    );
    await waitFor(() => children.every((child) => child.output().includes('\n') || child.exitCode !== null));
    for (const child of children) child.stdin!.end();
    const admitted = { api: 0, subscription: 0 };
    for (const child of children) {
      const result = await child.result;
      expect(result.stderr).toBe('');
      const outcome = JSON.parse(result.stdout.trim()) as { ok: boolean; billing: 'api' | 'subscription' };
      if (outcome.ok) admitted[outcome.billing]++;
    }
    expect(admitted).toEqual({ api: 5, subscription: 5 });
  });

  it('shows a hold one process recorded to the next process at once, and keeps the hold that ends last', async () => {
    const path = join(temporaryDir(), 'telemetry.db');
    new TelemetryStore({ path }).open();
    const base = Date.parse('2030-01-01T00:00:00.000Z');
    // Exits the moment hold resolves, as exec does after its last event: nothing is left to flush.
    const rejecting = startChild(
      `import { SqliteTelemetryStore, PlanWindows } from 'DIST';
       const windows = new PlanWindows(new SqliteTelemetryStore({ path: process.env.DB }));
       await windows.hold({ tool: 'claude', until: process.env.RESETS, reason: 'five_hour refused' });
       process.exit(0);`,
      { DB: path, RESETS: new Date(base).toISOString() },
    );
    expect(await rejecting.result).toMatchObject({ code: 0, stderr: '' });
    const reader = new SqliteTelemetryStore({ path, create: false });
    const { PlanWindows } = await import('../src/plan-windows/plan-windows.js');
    const windows = new PlanWindows(reader);
    expect(await windows.heldUntil('claude')).toMatchObject({ until: new Date(base).toISOString() });

    // Eight processes hold the tool at once, each until a different hour (before and after the first hold).
    const hours = [3, -2, 7, 1, -5, 6, 2, 4];
    const holders = hours.map((hour) =>
      startChild(
        `import { SqliteTelemetryStore, PlanWindows } from 'DIST';
         const windows = new PlanWindows(new SqliteTelemetryStore({ path: process.env.DB }));
         await windows.hold({ tool: 'claude', until: process.env.UNTIL, reason: 'hour ' + process.env.HOUR });`,
        { DB: path, UNTIL: new Date(base + hour * 3_600_000).toISOString(), HOUR: String(hour) },
      ),
    );
    for (const holder of holders) expect(await holder.result).toMatchObject({ code: 0, stderr: '' });
    expect(await windows.heldUntil('claude', new Date(base))).toEqual({
      tool: 'claude',
      until: new Date(base + 7 * 3_600_000).toISOString(),
      reason: 'hour 7',
    });
    await reader.close();
  });

  it('expires the reservations of a process that died holding them', async () => {
    const path = join(temporaryDir(), 'telemetry.db');
    const limits = "[{ scope: 'global', period: 'daily', limitUsd: 5 }]";
    const crashed = startChild(
      `import { SqliteTelemetryStore, SpendLedger } from 'DIST';
       const ledger = new SpendLedger(new SqliteTelemetryStore({ path: process.env.DB }));
       const outcome = await ledger.reserve({ scopes: ['global'], estimateUsd: 5, limits: ${limits} });
       process.stdout.write(JSON.stringify({ ok: outcome.ok, pid: process.pid }));
       process.kill(process.pid, 'SIGKILL');`,
      { DB: path },
    );
    const result = await crashed.result;
    expect(result.signal).toBe('SIGKILL');
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true });
    const survivor = startChild(
      `import { SqliteTelemetryStore, SpendLedger } from 'DIST';
       const ledger = new SpendLedger(new SqliteTelemetryStore({ path: process.env.DB }));
       const outcome = await ledger.reserve({ scopes: ['global'], estimateUsd: 1, limits: ${limits} });
       process.stdout.write(JSON.stringify({ ok: outcome.ok, held: (await ledger.held()).length }));`,
      { DB: path },
    );
    const after = await survivor.result;
    expect(after.stderr).toBe('');
    expect(JSON.parse(after.stdout)).toEqual({ ok: true, held: 1 });
  });

  it('keeps every committed row, uncorrupted, when a writer is killed with SIGKILL', async () => {
    const path = join(temporaryDir(), 'telemetry.db');
    new TelemetryStore({ path }).open();
    const writer = startChild(
      `import { SqliteTelemetryStore, StoreSink } from 'DIST';
       const sink = new StoreSink({ store: new SqliteTelemetryStore({ path: process.env.DB }), captureContent: false,
         logger: { warn: (message) => process.stderr.write(message + '\\n') } });
       let index = 0;
       const base = () => ({ invocationId: 'inv-' + index, chainId: 'c', attempt: 1, at: new Date().toISOString() });
       for (;;) {
         sink.handle({ type: 'invocation.started', ...base(), agent: 'a', taskType: undefined, tool: 't',
           model: 'm', reason: 'preferred', baselineModel: 'm', pid: process.pid, promptSha256: 'f'.repeat(64),
           promptBytes: 40 });
         const { at, ...ids } = base();
         sink.recordAttempt({ ...ids, project: 'default', agent: 'a', tool: 't', model: 'm', reason: 'preferred',
           baselineModel: 'm', baselineCostUsd: 0.001, startedAt: at, finishedAt: at, latencyMs: 1,
           status: 'success', cost: { usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0,
           cacheWriteTokens: 0 }, costUsd: 0.001, costSource: 'computed', computedCostUsd: 0.001, priceHash: 'x' },
           exitCode: 0, promptSha256: 'f'.repeat(64), promptBytes: 40, pid: process.pid, text: '' });
         index++;
         await new Promise((resolve) => setImmediate(resolve));
       }`,
      { DB: path },
    );
    const observer = new TelemetryStore({ path, create: false });
    const count = () =>
      (observer.open().prepare('SELECT COUNT(*) AS n FROM invocations').get() as { n: number }).n;
    let seen = 0;
    await waitFor(() => (seen = count()) >= 500);
    const seenIds = observer.open().prepare('SELECT invocation_id FROM invocations ORDER BY id').all();
    writer.kill('SIGKILL');
    const result = await writer.result;
    expect(result.signal).toBe('SIGKILL');
    observer.close();

    const reopened = new TelemetryStore({ path, create: false });
    const db = reopened.open();
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const after = db.prepare('SELECT invocation_id FROM invocations ORDER BY id').all();
    expect(after.length).toBeGreaterThanOrEqual(seen);
    expect(after.slice(0, seenIds.length)).toEqual(seenIds);
    expect(db.prepare("SELECT COUNT(*) AS n FROM invocations WHERE status != 'success'").get()).toEqual({
      n: 0,
    });
    reopened.close();
  });

  it('appends whole JSONL lines from several processes, rotating under a lock', async () => {
    const dir = temporaryDir();
    const path = join(dir, 'events.jsonl');
    const children = Array.from({ length: 4 }, (_, worker) =>
      startChild(
        `import { JsonlSink } from 'DIST';
         const sink = new JsonlSink({ path: process.env.JSONL, maxBytes: 64 * 1024, maxFiles: 100,
           captureContent: true, keyPromptHash: () => undefined,
           logger: { warn: (message) => process.stderr.write(message + '\\n') } });
         for (let index = 0; index < 500; index++) {
           sink.handle({ type: 'invocation.output', invocationId: 'w${worker}', chainId: 'c', attempt: index,
             at: new Date().toISOString(), text: 'x'.repeat(100 + (index % 7) * 50) });
         }
         await sink.dispose();`,
        { JSONL: path },
      ),
    );
    for (const child of children) expect(await child.result).toMatchObject({ code: 0, stderr: '' });
    const files = readdirSync(dir).filter(
      (name) => name.startsWith('events.jsonl') && !name.endsWith('.lock'),
    );
    expect(files.length).toBeGreaterThan(4);
    const seen = new Map<string, number>();
    for (const file of files) {
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
        if (line === '') continue;
        const event = JSON.parse(line) as { invocationId: string };
        seen.set(event.invocationId, (seen.get(event.invocationId) ?? 0) + 1);
      }
    }
    expect(Object.fromEntries(seen)).toEqual({ w0: 500, w1: 500, w2: 500, w3: 500 });
  });
});
