// Telemetry benchmarks (issue 4). Every figure is a ratio against a baseline measured in the same run:
//   (a) sink insert throughput, driving StoreSink over SQLite as the kernel does (the start event, then the attempt's record),
//       against raw better-sqlite3
//       batched inserts of the same rows into the same schema (target >= 0.5);
//   (b) `stats --monthly --by model` over the filled database against the same aggregate run directly in SQLite
//       (target <= 1.5).
// Usage: node bench/telemetry.mjs [--rows N] [--workers W --execs E]   (after `pnpm build`)
//   --rows      invocations to insert (default 1,000,000; BENCH_TELEMETRY_ROWS)
//   --keep      keep the databases in this directory
//   --workers   also run W processes at once, each running `llm-service exec` E times against one fresh database
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { monthOfInvocations, openRaw as openRaw_, random, rowFor } from './support/invocations.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const telemetryDist = join(root, 'packages/telemetry/dist/index.js');
const bin = join(root, 'packages/cli/dist/bin.js');
const standIn = join(root, 'examples/stand-in-llm/stand-in-llm.mjs');
if (!existsSync(telemetryDist)) throw new Error(`${telemetryDist} is missing: run \`pnpm build\` first`);

const { values: flags } = parseArgs({
  options: {
    rows: { type: 'string', default: process.env.BENCH_TELEMETRY_ROWS ?? '1000000' },
    workers: { type: 'string' },
    execs: { type: 'string', default: '200' },
    'skip-insert': { type: 'boolean', default: false },
    keep: { type: 'string' },
  },
});
const totalRows = Number(flags.rows);

const telemetry = await import(pathToFileURL(telemetryDist).href);
const Database = createRequire(join(root, 'packages/telemetry/package.json'))('better-sqlite3');
const { StoreSink, SqliteTelemetryStore, TelemetryStore, insertInvocationSql } = telemetry;
const { statsForDatabase, renderStats } = await telemetry.loadReports();

// --keep DIR leaves the databases in DIR for inspection.
const work = flags.keep ?? mkdtempSync(join(tmpdir(), 'llm-service-bench-telemetry-'));
mkdirSync(work, { recursive: true });
if (!flags.keep) process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const fmt = (value, digits = 2) => value.toLocaleString('en-US', { maximumFractionDigits: digits });

const { monthStart, eventsFor } = monthOfInvocations({ totalRows });
const now = new Date();
const openRaw = (path) => openRaw_(path, { TelemetryStore, Database });

const batchSize = 1000;
const chunkSize = 20_000;

async function benchInserts() {
  const sinkPath = join(work, 'sink.db');
  const rawPath = join(work, 'raw.db');
  const raw = openRaw(rawPath);
  const insert = raw.db.prepare(insertInvocationSql);
  const insertBatch = raw.db.transaction((rows) => {
    for (const row of rows) insert.run(row);
  });
  const store = new SqliteTelemetryStore({ path: sinkPath });
  const hasher = new telemetry.PromptHasher(raw.secret);
  const sink = new StoreSink({
    store,
    captureContent: false,
    logger: { warn: (message) => console.error(message) },
    maxBatch: batchSize,
  });
  let sinkMs = 0;
  let rawMs = 0;
  for (let start = 0; start < totalRows; start += chunkSize) {
    const end = Math.min(start + chunkSize, totalRows);
    const next = random(start + 1);
    const events = [];
    for (let index = start; index < end; index++) events.push(eventsFor(index, next));
    // The raw side gets rows already mapped and hashed: only its inserts are timed.
    const rows = events.map((pair) => rowFor(pair, hasher.hash(pair[0].promptSha256)));
    // Alternate which side goes first, so neither always meets a warmer cache.
    const runRaw = () => {
      const t0 = performance.now();
      for (let offset = 0; offset < rows.length; offset += batchSize)
        insertBatch.immediate(rows.slice(offset, offset + batchSize));
      rawMs += performance.now() - t0;
    };
    const runSink = () => {
      const t0 = performance.now();
      for (const [started, finished] of events) {
        sink.handle(started);
        sink.recordAttempt(finished);
      }
      sink.commitNow();
      sinkMs += performance.now() - t0;
    };
    if ((start / chunkSize) % 2 === 0) {
      runRaw();
      runSink();
    } else {
      runSink();
      runRaw();
    }
  }
  const counted = store.connection.open().prepare('SELECT COUNT(*) AS n FROM invocations').get().n;
  const rawCounted = raw.db.prepare('SELECT COUNT(*) AS n FROM invocations').get().n;
  if (counted !== totalRows || rawCounted !== totalRows)
    throw new Error(`expected ${totalRows} rows, sink has ${counted}, raw has ${rawCounted}`);
  await sink.dispose();
  await store.close();
  raw.db.close();
  return { sinkPath, sinkMs, rawMs };
}

/** The sink when starts and ends are committed apart (as in real use, where a tool runs between them). */
async function benchInsertThenUpdate(rows) {
  const path = join(work, 'sink-updates.db');
  const store = new SqliteTelemetryStore({ path });
  const sink = new StoreSink({
    store,
    captureContent: false,
    logger: { warn: console.error },
    maxBatch: batchSize,
  });
  let ms = 0;
  for (let start = 0; start < rows; start += chunkSize) {
    const end = Math.min(start + chunkSize, rows);
    const next = random(start + 1);
    const events = [];
    for (let index = start; index < end; index++) events.push(eventsFor(index, next));
    const t0 = performance.now();
    for (const [started] of events) sink.handle(started);
    sink.commitNow();
    for (const [, finished] of events) sink.recordAttempt(finished);
    sink.commitNow();
    ms += performance.now() - t0;
  }
  await sink.dispose();
  await store.close();
  return ms;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function benchStats(path) {
  const range = [
    new Date(monthStart).toISOString(),
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
  ];
  const direct = () => {
    const t0 = performance.now();
    const db = new Database(path, { readonly: true });
    const rows = db
      .prepare(
        `SELECT model, COUNT(*) AS invocations, SUM(status = 'success') AS successes,
           SUM(input_tokens) AS input, SUM(output_tokens) AS output, SUM(cache_read_tokens) AS cache_read,
           SUM(cache_write_tokens) AS cache_write, TOTAL(cost_usd) AS cost,
           AVG(CASE WHEN status = 'success' THEN latency_ms END) AS average_latency,
           -- p95 by nearest rank, as the query service computes it (packages/telemetry/src/sqlite/percentile-sql.ts)
           CASE WHEN COUNT(CASE WHEN status = 'success' THEN latency_ms END) % 20 = 0
             THEN percentile_disc(CASE WHEN status = 'success' THEN latency_ms END, 0.95)
             ELSE -percentile_disc(CASE WHEN status = 'success' THEN -latency_ms END, 0.05) END AS p95_latency
         FROM invocations WHERE started_at >= ? AND started_at < ? GROUP BY model ORDER BY cost DESC`,
      )
      .all(...range);
    db.close();
    return { ms: performance.now() - t0, rows };
  };
  const viaStats = async () => {
    const t0 = performance.now();
    const report = await statsForDatabase(path, { monthly: true, by: 'model' }, now);
    const text = renderStats(report);
    return { ms: performance.now() - t0, report, text };
  };
  direct();
  const first = await viaStats();
  const directSamples = [];
  const statsSamples = [];
  for (let run = 0; run < 7; run++) {
    directSamples.push(direct().ms);
    statsSamples.push((await viaStats()).ms);
  }
  const check = direct().rows;
  for (const row of check) {
    const group = first.report.groups.find((candidate) => candidate.group === row.model);
    if (!group || group.invocations !== row.invocations || group.latencyMs.p95 !== row.p95_latency)
      throw new Error(`stats disagrees with the direct aggregate for ${row.model}`);
  }
  // The command as a user runs it: a whole process, configuration loading included.
  const configDir = join(work, 'config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'agents.yaml'), 'version: 1\nagents: {}\n');
  writeFileSync(join(configDir, 'tools.yaml'), 'version: 1\ntools: {}\n');
  writeFileSync(join(configDir, 'models.yaml'), 'version: 1\nmodels: {}\n');
  writeFileSync(
    join(configDir, 'llm-service.yaml'),
    `version: 1\ntelemetry: { db_path: ${JSON.stringify(path)} }\n`,
  );
  const cliSamples = [];
  if (existsSync(bin)) {
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      const result = spawnSync(
        process.execPath,
        [bin, 'stats', '--monthly', '--by', 'model', '--config-dir', configDir],
        {
          env: { ...process.env, NO_COLOR: '1' },
        },
      );
      if (result.status !== 0) throw new Error(`llm-service stats failed: ${result.stderr}`);
      cliSamples.push(performance.now() - t0);
    }
  }
  return {
    direct: median(directSamples),
    stats: median(statsSamples),
    cli: cliSamples.length ? median(cliSamples) : undefined,
    text: first.text,
  };
}

async function benchWorkers(workers, execs) {
  const home = join(work, 'home');
  const configDir = join(work, 'workers-config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(
    join(configDir, 'tools.yaml'),
    `version: 1\ntools:\n  stand-in:\n    adapter: generic-yaml\n    binary: ${JSON.stringify(standIn)}\n    args: ["exec", "--model", "{{model}}", "-"]\n    prompt_via: stdin\n    output: { format: text }\n    models: [model-a]\n`,
  );
  writeFileSync(
    join(configDir, 'agents.yaml'),
    'version: 1\nagents:\n  writer: { preferred_tool: stand-in, preferred_model: model-a }\n',
  );
  writeFileSync(
    join(configDir, 'models.yaml'),
    'version: 1\nmodels:\n  model-a: { input_per_mtok: 3, output_per_mtok: 15 }\n',
  );
  const dbPath = join(work, 'workers.db');
  writeFileSync(
    join(configDir, 'llm-service.yaml'),
    `version: 1\ntelemetry: { db_path: ${JSON.stringify(dbPath)} }\n`,
  );
  const loop = `
    const { spawnSync } = require('node:child_process');
    let failures = 0, locked = 0;
    const errors = {};
    for (let i = 0; i < ${execs}; i++) {
      const r = spawnSync(process.execPath, [${JSON.stringify(bin)}, 'exec', '--config-dir', ${JSON.stringify(configDir)}, '--agent', 'writer', '--prompt', 'bench ' + i]);
      const stderr = String(r.stderr);
      if (r.status !== 0) {
        failures++;
        const first = (stderr.split('\\n')[0] || 'exit ' + r.status + ' ' + r.signal).slice(0, 200);
        errors[first] = (errors[first] || 0) + 1;
      }
      if (/database is locked|not recorded/.test(stderr)) locked++;
    }
    process.stdout.write(JSON.stringify({ failures, locked, errors }));`;
  const env = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
  };
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: workers }, () => {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', loop], { env });
        let out = '';
        child.stdout.on('data', (chunk) => (out += chunk));
        child.on('error', reject);
        child.on('close', () => resolve(JSON.parse(out)));
      });
    }),
  );
  const ms = performance.now() - t0;
  const db = new Database(dbPath, { readonly: true });
  const counts = db.prepare('SELECT status, COUNT(*) AS n FROM invocations GROUP BY status').all();
  db.close();
  return { ms, results, counts };
}

console.log(`llm-service telemetry benchmark (${fmt(totalRows, 0)} invocations; Node ${process.version})`);
if (!flags['skip-insert']) {
  const inserts = await benchInserts();
  const sinkRate = totalRows / (inserts.sinkMs / 1000);
  const rawRate = totalRows / (inserts.rawMs / 1000);
  console.log('');
  console.log('(a) insert throughput');
  console.log(
    `  ${`raw better-sqlite3, batches of ${batchSize} (baseline)`.padEnd(53)}${fmt(rawRate, 0)} rows/s (${fmt(inserts.rawMs / 1000)} s)`,
  );
  console.log(
    `  ${'StoreSink over SQLite (start event, attempt record)'.padEnd(53)}${fmt(sinkRate, 0)} rows/s (${fmt(inserts.sinkMs / 1000)} s)`,
  );
  console.log(`  ratio sink / raw: ${(sinkRate / rawRate).toFixed(2)} (target >= 0.5)`);
  const updateRows = Math.min(totalRows, 200_000);
  const updateMs = await benchInsertThenUpdate(updateRows);
  const updateRate = updateRows / (updateMs / 1000);
  console.log(
    `  for reference, starts and ends committed apart (insert, then upsert): ${fmt(updateRate, 0)} rows/s = ${(updateRate / rawRate).toFixed(2)} of raw (${fmt(updateRows, 0)} rows)`,
  );

  const stats = await benchStats(inserts.sinkPath);
  console.log('');
  console.log('(b) stats --monthly --by model over the filled database (median of 7)');
  console.log(`  same aggregate run directly in SQLite (baseline)  ${fmt(stats.direct)} ms`);
  console.log(`  stats report (query service + rendering)           ${fmt(stats.stats)} ms`);
  console.log(`  ratio stats / direct: ${(stats.stats / stats.direct).toFixed(2)} (target <= 1.5)`);
  if (stats.cli !== undefined)
    console.log(
      `  whole \`llm-service stats --monthly --by model\` process: ${fmt(stats.cli)} ms = ${(stats.cli / stats.direct).toFixed(2)}x (includes Node start and config loading)`,
    );
  console.log('');
  console.log(stats.text.trimEnd().replace(/^/gm, '  '));
}

if (flags.workers) {
  const workers = Number(flags.workers);
  const execs = Number(flags.execs);
  const result = await benchWorkers(workers, execs);
  const rows = result.counts.reduce((sum, row) => sum + row.n, 0);
  console.log('');
  console.log(
    `(c) ${workers} processes at once, each running llm-service exec ${execs} times against one fresh database`,
  );
  console.log(
    `  ${fmt(result.ms / 1000)} s; ${rows} rows (${result.counts.map((row) => `${row.status} ${row.n}`).join(', ')}); expected ${workers * execs}`,
  );
  console.log(
    `  failed execs: ${result.results.reduce((sum, r) => sum + r.failures, 0)}; "database is locked" or unrecorded: ${result.results.reduce((sum, r) => sum + r.locked, 0)}`,
  );
  const errors = {};
  for (const report of result.results)
    for (const [message, count] of Object.entries(report.errors))
      errors[message] = (errors[message] ?? 0) + count;
  for (const [message, count] of Object.entries(errors)) console.log(`    ${count} x ${message}`);
  if (rows !== workers * execs) process.exitCode = 1;
}
