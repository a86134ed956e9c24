// Dashboard benchmarks (issue 7). Every figure is measured in this run, on this machine, in headless Chromium
// (Debian's chromium, driven by playwright-core) against real `llm-service dashboard` processes:
//   (a) page load: from navigation to a live page (snapshot drawn, event stream open), on a database of 1,000,000
//       invocations against an empty one (target: at most 1.2x), and against one of 1,000 invocations, which fills
//       the same views (feed, charts) and so isolates what the database's size costs; loads interleaved;
//   (b) row to card: from the moment `llm-service exec` records a row (its started_at) to that row drawn in the
//       feed of a page already open, over several execs, on the 1,000,000-row database;
//   (c) the dashboard server's memory (resident set, and its peak) with the 1,000,000-row database, and with the
//       empty one for comparison.
// Usage: node bench/dashboard.mjs [--rows N] [--loads N] [--execs N]   (after `pnpm build`)
/* global fetch, document, window, MutationObserver, HTMLElement, requestAnimationFrame -- fetch is Node's; the rest are used in functions the page runs */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { monthOfInvocations, openRaw, random, rowFor } from './support/invocations.mjs';
import { isolatedEnv } from './support/isolated-env.mjs';
import { standInConfig } from './support/stand-in-config.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/cli/dist/bin.js');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
for (const required of [bin, join(root, 'packages/dashboard/dist/web/index.html')]) {
  if (!existsSync(required)) throw new Error(`${required} is missing: run \`pnpm build\` first`);
}
if (!existsSync(chromiumPath)) {
  console.log(`dashboard benchmark skipped: no Chromium at ${chromiumPath} (apt-get install chromium)`);
  process.exit(0);
}

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    loads: { type: 'string', default: '31' },
    execs: { type: 'string', default: '15' },
  },
});
const totalRows = Number(flags.rows);
const loads = Number(flags.loads);
const execs = Number(flags.execs);

const requireFromDashboard = createRequire(join(root, 'packages/dashboard/package.json'));
const { chromium } = requireFromDashboard('playwright-core');
const requireFromTelemetry = createRequire(join(root, 'packages/telemetry/package.json'));
const Database = requireFromTelemetry('better-sqlite3');
const telemetry = await import(pathToFileURL(join(root, 'packages/telemetry/dist/index.js')).href);

const work = mkdtempSync(join(tmpdir(), 'llm-service-bench-dashboard-'));
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
const env = isolatedEnv(work);
const fmt = (value, digits = 1) => value.toLocaleString('en-US', { maximumFractionDigits: digits });
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.ceil((p / 100) * values.length) - 1];

/** A config directory whose agent runs the stand-in tool (answering after 300 ms), with a budget to show. */
const config = (name) =>
  standInConfig(join(work, name), {
    toolEnv: { STAND_IN_DELAY_MS: '300' },
    policiesYaml:
      'version: 1\nbudgets:\n  - { scope: global, period: monthly, limit_usd: 100000, mode: soft }\n',
  });

/** Fills a database with `rows` invocations over the last 30 days (the charts' window), by raw batched inserts. */
function fill(dbPath, rows) {
  const now = new Date();
  const { eventsFor } = monthOfInvocations({ totalRows: rows, now, start: now.getTime() - 30 * 86_400_000 });
  const raw = openRaw(dbPath, { TelemetryStore: telemetry.TelemetryStore, Database });
  const hasher = new telemetry.PromptHasher(raw.secret);
  const insert = raw.db.prepare(telemetry.insertInvocationSql);
  const insertBatch = raw.db.transaction((batch) => {
    for (const row of batch) insert.run(row);
  });
  for (let start = 0; start < rows; start += 10_000) {
    const next = random(start + 1);
    const batch = [];
    for (let index = start; index < Math.min(start + 10_000, rows); index++) {
      const pair = eventsFor(index, next);
      batch.push(rowFor(pair, hasher.hash(pair[0].promptSha256)));
    }
    insertBatch(batch);
  }
  raw.db.pragma('wal_checkpoint(TRUNCATE)');
  raw.db.close();
}

/** Starts `llm-service dashboard` on a free port; resolves with its page URL and process. */
function startDashboard(dir) {
  const child = spawn(
    process.execPath,
    [bin, 'dashboard', '--config-dir', dir, '--port', '0', '--token', 'bench-token-0123456789abcdef'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      const url = /https?:\/\/\S+token=\S+/.exec(output)?.[0];
      if (url) resolve({ url, child });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => reject(new Error(`dashboard exited with ${code}: ${output}`)));
  });
}

/** Resident set and its peak, in MiB, from /proc. */
function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

/** Milliseconds from navigation to a live page: the snapshot drawn and the event stream open. */
async function loadPage(url) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const started = performance.now();
  await page.goto(url);
  await page.waitForSelector('[data-testid="connection"][data-state="live"]', { timeout: 60_000 });
  await page.waitForFunction(
    () => document.querySelector('[data-testid="spend-month"]')?.textContent !== '—',
  );
  const ms = performance.now() - started;
  const snapshotMs = await page.evaluate(
    () =>
      performance.getEntriesByType('resource').find((entry) => entry.name.includes('/api/snapshot'))
        ?.duration,
  );
  await context.close();
  return { ms, snapshotMs };
}

console.log(`llm-service dashboard benchmark (Node ${process.version}, Chromium at ${chromiumPath})`);
const empty = config('empty');
const small = config('small');
const full = config('full');
// An empty database as a fresh install has it: created by the telemetry store, no rows.
openRaw(empty.dbPath, { TelemetryStore: telemetry.TelemetryStore, Database }).db.close();
fill(small.dbPath, 1_000);
let started = performance.now();
fill(full.dbPath, totalRows);
console.log(
  `  filled ${fmt(totalRows, 0)} invocations over 30 days in ${fmt((performance.now() - started) / 1000)} s`,
);

started = performance.now();
const emptyServer = await startDashboard(empty.dir);
const emptyReadyMs = performance.now() - started;
const smallServer = await startDashboard(small.dir);
started = performance.now();
const fullServer = await startDashboard(full.dir);
const fullReadyMs = performance.now() - started;
console.log(
  `  server ready (first snapshot computed): empty ${fmt(emptyReadyMs, 0)} ms, ${fmt(totalRows, 0)} rows ${fmt(fullReadyMs, 0)} ms`,
);

/** The server's kept spend snapshot: how long its last read of telemetry took. */
async function spendComputeMs(server) {
  const url = new URL('/api/snapshot', server.url);
  const response = await fetch(url, {
    headers: { Authorization: `Bearer ${new URL(server.url).searchParams.get('token')}` },
  });
  return (await response.json()).spend.computeMs;
}
console.log(
  `  spend aggregates read at start (every day of the charts, one day at a time): empty ${await spendComputeMs(emptyServer)} ms, ` +
    `${fmt(totalRows, 0)} rows ${await spendComputeMs(fullServer)} ms`,
);

// ---- (a) page load, interleaved (the order rotates), after one warm-up load each. ----
const servers = { empty: emptyServer, small: smallServer, full: fullServer };
const measured = { empty: [], small: [], full: [] };
for (const name of Object.keys(servers)) await loadPage(servers[name].url);
const order = Object.keys(servers);
for (let run = 0; run < loads; run++) {
  for (let index = 0; index < order.length; index++) {
    const name = order[(run + index) % order.length];
    measured[name].push(await loadPage(servers[name].url));
  }
}
const loadMs = (name) => median(measured[name].map((load) => load.ms));
const snapshotMs = (name) => median(measured[name].map((load) => load.snapshotMs));
console.log(
  `  (a) page load (median of ${loads}): empty ${fmt(loadMs('empty'))} ms, 1,000 rows ${fmt(loadMs('small'))} ms, ` +
    `${fmt(totalRows, 0)} rows ${fmt(loadMs('full'))} ms`,
);
console.log(
  `      ${fmt(totalRows, 0)} rows / empty = ${fmt(loadMs('full') / loadMs('empty'), 3)}x (target <= 1.2x); ` +
    `${fmt(totalRows, 0)} rows / 1,000 rows = ${fmt(loadMs('full') / loadMs('small'), 3)}x; ` +
    `GET /api/snapshot: ${fmt(snapshotMs('empty'))}, ${fmt(snapshotMs('small'))} and ${fmt(snapshotMs('full'))} ms`,
);

// ---- (b) row to card, on the full database, with the page open. ----
const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
const page = await context.newPage();
await page.goto(fullServer.url);
await page.waitForSelector('[data-testid="connection"][data-state="live"]');
await page.evaluate(() => {
  // When each row is first drawn: the frame after it entered the DOM.
  const seen = (window.__rowsSeen = {});
  new MutationObserver((records) => {
    for (const record of records)
      for (const node of record.addedNodes) {
        const key = node instanceof HTMLElement ? node.dataset.key : undefined;
        if (key && !(key in seen)) {
          seen[key] = 0;
          requestAnimationFrame(() => (seen[key] = Date.now()));
        }
      }
  }).observe(document.querySelector('[data-testid="feed-rows"]'), { childList: true, subtree: true });
});
const execsFrom = new Date().toISOString();
for (let run = 0; run < execs; run++) {
  await new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [bin, 'exec', '--config-dir', full.dir, '--agent', 'writer', '--prompt', `benchmark request ${run}`],
      { env, stdio: 'ignore' },
    );
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exec exited with ${code}`))));
  });
}
const db = new Database(full.dbPath, { readonly: true });
const recorded = db
  .prepare('SELECT invocation_id AS id, attempt, started_at AS at FROM invocations WHERE started_at >= ?')
  .all(execsFrom);
db.close();
await page.waitForFunction(
  (keys) => keys.every((key) => (window.__rowsSeen[key] ?? 0) > 0),
  recorded.map((row) => `${row.id}#${row.attempt}`),
  { timeout: 30_000 },
);
const seen = await page.evaluate(() => window.__rowsSeen);
const latencies = recorded.map((row) => seen[`${row.id}#${row.attempt}`] - Date.parse(row.at));
await context.close();
console.log(
  `  (b) row committed by exec -> row on screen (${recorded.length} execs, ${fmt(totalRows, 0)}-row database): ` +
    `median ${fmt(median(latencies), 0)} ms, p95 ${fmt(percentile(latencies, 95), 0)} ms, max ${fmt(Math.max(...latencies), 0)} ms`,
);
console.log(
  `      after the execs, the spend read of today only took ${await spendComputeMs(fullServer)} ms on the ${fmt(totalRows, 0)}-row database`,
);

// ---- (c) memory. ----
const fullMemory = memoryOf(fullServer.child.pid);
const emptyMemory = memoryOf(emptyServer.child.pid);
console.log(
  `  (c) dashboard server memory: ${fmt(totalRows, 0)} rows ${fmt(fullMemory.rss)} MiB resident (peak ${fmt(fullMemory.peak)} MiB); ` +
    `empty database ${fmt(emptyMemory.rss)} MiB (peak ${fmt(emptyMemory.peak)} MiB)`,
);

await browser.close();
for (const child of children) child.kill('SIGTERM');
