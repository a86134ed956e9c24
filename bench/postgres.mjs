// PostgreSQL telemetry store benchmarks. Every figure is a ratio against a baseline measured in the same run, on the
// same server: the same SQL the store issues, run directly through node-postgres (`pg`).
//   (a) `reserve` + `settle` through SpendLedger over PostgresTelemetryStore, C concurrent clients (each its own
//       store, so its own pool, as C machines would) on one hard budget: per-cycle latency (median, p95) and
//       throughput, against C `pg` clients issuing the store's statements (target <= 1.5x on each);
//   (b) `stats --monthly --by model` over R attempt rows (every project) against the queries that report issues,
//       run directly (target <= 1.5x).
// Usage: node bench/postgres.mjs [--clients C] [--cycles N] [--rows R] [--runs K]   (after `pnpm build`)
//   --clients  concurrent clients on the budget (default 16; BENCH_PG_CLIENTS)
//   --cycles   reserve-then-settle cycles per client and side (default 200; BENCH_PG_CYCLES)
//   --rows     attempt rows for the stats comparison (default 1,000,000; BENCH_PG_ROWS)
//   --runs     timed runs of each stats side, interleaved (default 7; BENCH_PG_RUNS)
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (name) => join(root, 'packages', name, 'dist/index.js');
for (const name of ['store-postgres', 'telemetry', 'testkit'])
  if (!existsSync(dist(name))) throw new Error(`${dist(name)} is missing: run \`pnpm build\` first`);

const { values: flags } = parseArgs({
  options: {
    clients: { type: 'string', default: process.env.BENCH_PG_CLIENTS ?? '16' },
    cycles: { type: 'string', default: process.env.BENCH_PG_CYCLES ?? '200' },
    rows: { type: 'string', default: process.env.BENCH_PG_ROWS ?? '1000000' },
    runs: { type: 'string', default: process.env.BENCH_PG_RUNS ?? '7' },
  },
});
const clients = Number(flags.clients);
const cycles = Number(flags.cycles);
const totalRows = Number(flags.rows);
const statsRuns = Number(flags.runs);

const { PostgresTelemetryStore } = await import(pathToFileURL(dist('store-postgres')).href);
const telemetry = await import(pathToFileURL(dist('telemetry')).href);
const { startPostgres, postgresSkipReason } = await import(pathToFileURL(dist('testkit')).href);
const { SpendLedger, spendPeriod } = telemetry;
const { statsForStore, renderStats } = await telemetry.loadReports();
const pg = createRequire(join(root, 'packages/store-postgres/package.json'))('pg');

const fmt = (value, digits = 2) => value.toLocaleString('en-US', { maximumFractionDigits: digits });
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
};
const median = (values) => quantile(values, 0.5);
const verdict = (ratio, target) =>
  `${ratio.toFixed(2)}x (target <= ${target}x${ratio <= target ? '' : ': MISSED'})`;

const schema = 'llm_service';
const budget = { scope: 'global', period: 'daily', limitUsd: 1e12 };
const estimateUsd = 0.05;

/**
 * A `pg` connection. A server that goes away (the bench interrupted) fails the query under way; without this
 * listener the connection's 'error' event would also end the process before the server's directory is removed.
 */
async function connect(url) {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** One client of the store: its own PostgresTelemetryStore (its own pool) and SpendLedger, a fixed holder. */
function storeClient(url, index) {
  const store = new PostgresTelemetryStore({ url, project: 'bench' });
  const ledger = new SpendLedger(store, {
    identity: { pid: 10_000 + index, host: `bench-client-${index}` },
    pid: 10_000 + index,
    // No lease renewal in the middle of a round.
    leaseMs: 60 * 60 * 1000,
  });
  return {
    cycle: async () => {
      const outcome = await ledger.reserve({
        scopes: ['global'],
        estimateUsd,
        limits: [budget],
        billing: 'api',
      });
      if (!outcome.ok) throw new Error('the budget refused a reservation');
      await ledger.settle(outcome.reservation, estimateUsd / 2);
    },
    close: () => store.close(),
  };
}

/**
 * The statements PostgresTelemetryStore issues for the same reserve and settle (packages/store-postgres/src/ledger/
 * ledger.ts), through one `pg` connection: the transaction with the scope's advisory lock, the held reservations of
 * the scope (none expire here, so no expiring UPDATE), the spend and held sums, the two INSERTs; then the UPDATE.
 */
async function directClient(url, index) {
  const client = await connect(url);
  await client.query("SELECT set_config('llm_service.project', 'bench', false)");
  const holder = { pid: 10_000 + index, host: `bench-client-${index}` };
  return {
    cycle: async () => {
      const now = new Date();
      const { start, end } = spendPeriod('daily', now);
      const id = randomUUID();
      await client.query('BEGIN');
      try {
        await client.query(
          `SELECT pg_advisory_xact_lock(hashtextextended('llm-service reservation ' || $1, 0))`,
          ['global'],
        );
        const held = await client.query(
          `SELECT r.id, COALESCE(array_agg(s.scope ORDER BY s.scope) FILTER (WHERE s.scope IS NOT NULL), '{}') AS scopes,
             r.estimate_usd AS "estimateUsd", r.billing, r.pid, r.host, r.pid_namespace AS namespace,
             r.pid_start AS "startTime", r.created_at AS "createdAt", r.expires_at AS "expiresAt",
             r.lease_until AS "leaseUntil"
           FROM ${schema}.reservations r LEFT JOIN ${schema}.reservation_scopes s ON s.reservation_id = r.id
           WHERE r.status = 'held' AND r.id IN (SELECT reservation_id FROM ${schema}.reservation_scopes WHERE scope = ANY($1::text[]))
           GROUP BY r.id ORDER BY r.created_at, r.id`,
          [['global']],
        );
        for (const row of held.rows)
          if (row.expiresAt <= now || (row.leaseUntil !== null && row.leaseUntil <= now))
            throw new Error('unexpected expired reservation');
        const spent = await client.query(
          `SELECT COALESCE(SUM(cost_usd), 0) AS spent FROM ${schema}.invocations
           WHERE true AND started_at >= $1 AND started_at < $2 AND billing = ANY($3::text[])`,
          [start.toISOString(), end.toISOString(), ['api']],
        );
        const reserved = await client.query(
          `SELECT COALESCE(SUM(r.estimate_usd), 0) AS held FROM ${schema}.reservation_scopes s
           JOIN ${schema}.reservations r ON r.id = s.reservation_id
           WHERE s.scope = $1 AND r.status = 'held' AND r.billing = ANY($2::text[])`,
          ['global', ['api']],
        );
        if (Number(spent.rows[0].spent) + Number(reserved.rows[0].held) + estimateUsd > budget.limitUsd)
          throw new Error('the budget refused a reservation');
        await client.query(
          `INSERT INTO ${schema}.reservations
             (id, project, estimate_usd, billing, pid, host, pid_namespace, pid_start, created_at, expires_at,
              lease_until, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'held')`,
          [
            id,
            'bench',
            estimateUsd,
            'api',
            holder.pid,
            holder.host,
            null,
            null,
            now.toISOString(),
            new Date(now.getTime() + 2 * 60 * 60 * 1000).toISOString(),
            new Date(now.getTime() + 60 * 60 * 1000).toISOString(),
          ],
        );
        await client.query(
          `INSERT INTO ${schema}.reservation_scopes (scope, reservation_id, project)
           SELECT scope, $2, $3 FROM unnest($1::text[]) AS scope`,
          [['global'], id, 'bench'],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      await client.query(
        `UPDATE ${schema}.reservations SET status = $1, actual_usd = $2, closed_at = $3
         WHERE id = $4 AND status = 'held'`,
        ['settled', estimateUsd / 2, new Date().toISOString(), id],
      );
    },
    close: () => client.end(),
  };
}

/** All clients at once, each running `count` cycles one after the other; per-cycle latencies and the wall time. */
async function round(side, count) {
  const latencies = [];
  const t0 = performance.now();
  await Promise.all(
    side.map(async (client) => {
      for (let index = 0; index < count; index++) {
        const started = performance.now();
        await client.cycle();
        latencies.push(performance.now() - started);
      }
    }),
  );
  return { latencies, ms: performance.now() - t0 };
}

async function benchReserve(url) {
  const vacuum = async () => {
    const client = await connect(url);
    await client.query(`VACUUM ${schema}.reservations, ${schema}.reservation_scopes`);
    await client.end();
  };
  const store = await Promise.all(Array.from({ length: clients }, (_, index) => storeClient(url, index)));
  const direct = await Promise.all(Array.from({ length: clients }, (_, index) => directClient(url, index)));
  try {
    // Warm-up: connections made, statements planned, on both sides.
    await round(direct, 5);
    await round(store, 5);
    // Interleaved rounds, alternating which side goes first, so the growing reservation tables and any slow moment
    // of the machine hit both alike.
    const rounds = 8;
    const perRound = Math.ceil(cycles / rounds);
    const samples = { store: { latencies: [], ms: 0 }, direct: { latencies: [], ms: 0 } };
    for (let index = 0; index < rounds; index++) {
      const order = index % 2 === 0 ? ['direct', 'store'] : ['store', 'direct'];
      for (const name of order) {
        // Each side starts from a vacuumed ledger: settled reservations leave dead entries in the partial index of
        // held ones until (auto)vacuum removes them, and which round an autovacuum lands in would otherwise decide.
        await vacuum();
        const result = await round(name === 'store' ? store : direct, perRound);
        samples[name].latencies.push(...result.latencies);
        samples[name].ms += result.ms;
      }
    }
    const summary = (sample) => ({
      median: median(sample.latencies),
      p95: quantile(sample.latencies, 0.95),
      throughput: sample.latencies.length / (sample.ms / 1000),
      cycles: sample.latencies.length,
    });
    return { store: summary(samples.store), direct: summary(samples.direct) };
  } finally {
    await Promise.all([...store, ...direct].map((client) => client.close()));
  }
}

/**
 * `totalRows` attempts spread evenly over the 60 days up to now, generated by the server in one INSERT … SELECT per
 * chunk: three projects (60/30/10%), five agents and six models picked at random, ~95% successes, the last 20 still
 * running, claude's costs tool-reported and a quarter of them billed by subscription.
 */
async function fill(url, now) {
  const client = await connect(url);
  try {
    const spanMs = 60 * 24 * 60 * 60 * 1000;
    const chunk = 250_000;
    await client.query('SELECT setseed(0.42)');
    for (let first = 0; first < totalRows; first += chunk) {
      const last = Math.min(first + chunk, totalRows) - 1;
      await client.query(
        `INSERT INTO ${schema}.invocations
           (invocation_id, chain_id, attempt, started_at, finished_at, project, agent, task_type, tool, model, reason,
            status, error_kind, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd,
            cost_source, computed_cost_usd, baseline_model, baseline_cost_usd, latency_ms, exit_code, pid, billing)
         SELECT 'inv-' || g, 'chain-' || (g / 3), 1, t.started, t.started + make_interval(secs => t.latency / 1000),
           CASE WHEN pick.p < 0.6 THEN 'default' WHEN pick.p < 0.9 THEN 'web' ELSE 'infra' END,
           (ARRAY['architect', 'backend-dev', 'frontend-dev', 'reviewer', 'writer'])[pick.a],
           CASE WHEN g % 10 < 3 THEN 'review' END, m.tool, m.model, 'preferred', t.status,
           CASE t.status WHEN 'failed' THEN 'rate-limit' WHEN 'timeout' THEN 'timeout' END,
           t.input, t.output, t.cache_read, t.cache_write,
           CASE WHEN t.status = 'success' THEN t.computed * CASE WHEN m.tool = 'claude' THEN 1.01 ELSE 1 END END,
           CASE WHEN t.status <> 'success' THEN NULL WHEN m.tool = 'claude' THEN 'tool' ELSE 'computed' END,
           CASE WHEN t.status = 'success' THEN t.computed END, m.model,
           CASE WHEN t.status = 'success' THEN t.computed END,
           CASE WHEN t.status <> 'running' THEN t.latency END,
           CASE t.status WHEN 'success' THEN 0 WHEN 'running' THEN NULL ELSE 1 END, 1000 + g % 8,
           CASE WHEN m.tool = 'claude' AND g % 4 = 0 THEN 'subscription' ELSE 'api' END
         FROM generate_series($1::bigint, $2::bigint) AS g
         -- Random picks per row (g * 0 ties each to its row, so none is computed once for all).
         CROSS JOIN LATERAL (SELECT 1 + floor(random() * 6 + g * 0)::int AS k, 1 + floor(random() * 5 + g * 0)::int AS a,
                               random() + g * 0 AS p) AS pick
         JOIN (VALUES (1, 'claude', 'claude-sonnet-4-5', 3.0, 15.0), (2, 'claude', 'claude-opus-4-5', 15.0, 75.0),
                      (3, 'claude', 'claude-haiku-4-5', 1.0, 5.0), (4, 'codex', 'gpt-5', 1.25, 10.0),
                      (5, 'codex', 'gpt-5-mini', 0.25, 2.0), (6, 'ollama', 'qwen2.5:7b', 0.0, 0.0))
           AS m(k, tool, model, input_price, output_price) ON m.k = pick.k
         CROSS JOIN LATERAL (
           SELECT to_timestamp(($3::double precision - $4::double precision * (1 - g::double precision / $5::double precision)) / 1000) AS started,
             round(300 + random() * random() * 20000) AS latency,
             CASE WHEN g >= $5::bigint - 20 THEN 'running' WHEN random() < 0.03 THEN 'failed' WHEN random() < 0.02 THEN 'timeout'
               ELSE 'success' END AS status,
             floor(500 + random() * 5000)::bigint AS input, floor(100 + random() * 2000)::bigint AS output,
             floor(random() * 20000)::bigint AS cache_read, floor(random() * 2000)::bigint AS cache_write
         ) AS u
         CROSS JOIN LATERAL (SELECT u.*, (u.input * m.input_price + u.output * m.output_price) / 1e6 AS computed) AS t`,
        [first, last, now.getTime() - 60_000, spanMs, totalRows],
      );
    }
    await client.query(`VACUUM ANALYZE ${schema}.invocations`);
    const count = (await client.query(`SELECT COUNT(*)::int AS n FROM ${schema}.invocations`)).rows[0].n;
    if (count !== totalRows) throw new Error(`expected ${totalRows} rows, found ${count}`);
  } finally {
    await client.end();
  }
}

/** The report's columns of a running attempt, as the store selects them (packages/store-postgres/src/queries/rows.ts). */
const runningColumns = `invocation_id AS "invocationId", chain_id AS "chainId", attempt, started_at AS "startedAt",
  finished_at AS "finishedAt", agent, task_type AS "taskType", tool, model, reason, status, error_kind AS "errorKind",
  input_tokens AS "inputTokens", output_tokens AS "outputTokens", cache_read_tokens AS "cacheReadTokens",
  cache_write_tokens AS "cacheWriteTokens", cost_usd AS "costUsd", cost_source AS "costSource",
  latency_ms AS "latencyMs", project, message, force_reason AS "forceReason", task_id AS "taskId", billing, pid`;

/**
 * What `stats --monthly --by model` asks of the store (packages/store-postgres/src/queries/read.ts), run directly:
 * the aggregate by model over the month, the total's latency, the running attempts, the cost check, the count.
 */
async function directStats(url, since, until) {
  const client = await connect(url);
  try {
    const range = [since, until];
    const groups = await client.query(
      `SELECT model AS grp, COUNT(*) AS invocations,
         COUNT(*) FILTER (WHERE status = 'success') AS successes,
         COALESCE(SUM(input_tokens), 0) AS "inputTokens",
         COALESCE(SUM(output_tokens), 0) AS "outputTokens",
         COALESCE(SUM(cache_read_tokens), 0) AS "cacheReadTokens",
         COALESCE(SUM(cache_write_tokens), 0) AS "cacheWriteTokens",
         COALESCE(SUM(cost_usd), 0) AS "costUsd",
         COALESCE(SUM(cost_usd) FILTER (WHERE cost_source = 'estimated'), 0) AS "estimatedCostUsd",
         COUNT(*) FILTER (WHERE cost_source = 'unknown') AS "unknownCostInvocations",
         AVG(latency_ms) FILTER (WHERE status = 'success') AS "averageLatencyMs",
         percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE status = 'success') AS "p95LatencyMs"
       FROM ${schema}.invocations WHERE started_at >= $1 AND started_at < $2
       GROUP BY grp ORDER BY "costUsd" DESC, invocations DESC, grp`,
      range,
    );
    await client.query(
      `SELECT AVG(latency_ms) AS average, percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
       FROM ${schema}.invocations WHERE started_at >= $1 AND started_at < $2 AND status = $3`,
      [...range, 'success'],
    );
    await client.query(
      `SELECT ${runningColumns} FROM ${schema}.invocations WHERE started_at >= $1 AND started_at < $2 AND status = $3
       ORDER BY started_at ASC, id ASC LIMIT $4`,
      [...range, 'running', 1000],
    );
    await client.query(
      `SELECT COUNT(*) AS "toolReportedCalls", COALESCE(SUM(cost_usd), 0) AS "toolReportedUsd",
         COALESCE(SUM(computed_cost_usd), 0) AS "computedUsd",
         COUNT(*) FILTER (WHERE ABS(cost_usd - computed_cost_usd) > GREATEST(0.0001, 0.05 * ABS(computed_cost_usd)))
           AS disagreeing
       FROM ${schema}.invocations WHERE cost_source = 'tool' AND started_at >= $1 AND started_at < $2`,
      range,
    );
    await client.query(`SELECT COUNT(*) AS n FROM ${schema}.invocations`);
    return groups.rows;
  } finally {
    await client.end();
  }
}

/** The report as `llm-service stats --monthly --by model` builds it (every project): open, report, render, close. */
async function viaStats(url, now) {
  const store = new PostgresTelemetryStore({ url, project: 'default' });
  try {
    const report = await statsForStore(store, store.location, { monthly: true, by: 'model' }, now);
    return { report, text: renderStats(report) };
  } finally {
    await store.close();
  }
}

async function benchStats(url, now) {
  const first = await viaStats(url, now);
  const { since, until } = first.report.window;
  await directStats(url, since, until);
  const samples = { store: [], direct: [] };
  const time = async (name, work) => {
    const t0 = performance.now();
    await work();
    samples[name].push(performance.now() - t0);
  };
  for (let run = 0; run < statsRuns; run++) {
    const direct = () => time('direct', () => directStats(url, since, until));
    const store = () => time('store', () => viaStats(url, now));
    if (run % 2 === 0) {
      await direct();
      await store();
    } else {
      await store();
      await direct();
    }
  }
  const check = await directStats(url, since, until);
  for (const row of check) {
    const group = first.report.groups.find((candidate) => candidate.group === row.grp);
    if (!group || group.invocations !== Number(row.invocations) || group.latencyMs.p95 !== row.p95LatencyMs)
      throw new Error(`stats disagrees with the direct aggregate for ${row.grp}`);
  }
  if (check.length !== first.report.groups.length)
    throw new Error('stats and the direct aggregate differ in groups');
  return { store: median(samples.store), direct: median(samples.direct), text: first.text };
}

console.log(
  `llm-service PostgreSQL store benchmark (${clients} clients x ${cycles} cycles; ${fmt(totalRows, 0)} rows; Node ${process.version})`,
);
// No PostgreSQL server binaries here: said and skipped (under CI=true, postgresSkipReason throws instead).
const skipReason = await postgresSkipReason();
if (skipReason !== undefined) {
  console.log(`  skipped: ${skipReason}`);
  process.exit(0);
}
const server = await startPostgres();
let stopping;
const stopServer = () => (stopping ??= server.destroy());
// Interrupted: the server stopped and its directory removed all the same. The stores' pooled connections in use then
// emit 'error' with no listener (pg-pool removes its own while a client is checked out): ignored while stopping.
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    process.on('uncaughtException', () => undefined);
    void stopServer().finally(() => process.exit(130));
  });
try {
  const url = await server.createDatabase('bench');
  // The first use migrates.
  const opening = new PostgresTelemetryStore({ url, project: 'bench' });
  await opening.schema();
  await opening.close();

  const reserve = await benchReserve(url);
  console.log('');
  console.log(
    `(a) reserve + settle, ${clients} concurrent clients on one global daily budget (8 interleaved rounds)`,
  );
  const row = (label, side) =>
    console.log(
      `  ${label.padEnd(46)}median ${fmt(side.median)} ms, p95 ${fmt(side.p95)} ms, ${fmt(side.throughput, 0)} cycles/s (${side.cycles} cycles)`,
    );
  row('same statements through pg (baseline)', reserve.direct);
  row('SpendLedger over PostgresTelemetryStore', reserve.store);
  console.log(
    `  median latency store / direct: ${verdict(reserve.store.median / reserve.direct.median, 1.5)}`,
  );
  console.log(`  p95 latency store / direct:    ${verdict(reserve.store.p95 / reserve.direct.p95, 1.5)}`);
  console.log(
    `  throughput direct / store:     ${verdict(reserve.direct.throughput / reserve.store.throughput, 1.5)}`,
  );

  const now = new Date();
  const t0 = performance.now();
  await fill(url, now);
  const fillMs = performance.now() - t0;
  const stats = await benchStats(url, now);
  console.log('');
  console.log(
    `(b) stats --monthly --by model over ${fmt(totalRows, 0)} rows across 60 days, every project (filled in ${fmt(fillMs / 1000, 1)} s; median of ${statsRuns}, interleaved)`,
  );
  console.log(`  same queries run directly through pg (baseline)  ${fmt(stats.direct)} ms`);
  console.log(`  statsForStore + renderStats (opens the store)     ${fmt(stats.store)} ms`);
  console.log(`  ratio stats / direct: ${verdict(stats.store / stats.direct, 1.5)}`);
  console.log('');
  console.log(stats.text.trimEnd().replace(/^/gm, '  '));
} finally {
  await stopServer();
}
