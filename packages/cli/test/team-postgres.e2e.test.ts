import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSkipReason, startPostgres, type PostgresServer } from '@llm-service/testkit';
import {
  binPath,
  isolatedHome,
  processExists,
  repoRoot,
  runCli,
  temporaryDir,
  waitFor,
  writeConfig,
} from './support/cli.js';

/**
 * Each "machine" runs under its own host name, in a UTS namespace of its own (`unshare --uts`, which needs root, as
 * CI runs). Under CI=true neither a PostgreSQL that cannot run nor a missing `unshare` skips: the tests fail there.
 */
function unshareSkipReason(): string | undefined {
  const probe = spawnSync('unshare', ['--uts', 'true']);
  if (probe.status === 0) return undefined;
  const reason = `(unshare --uts is not permitted here: ${probe.error?.message ?? probe.stderr.toString().trim()})`;
  if (process.env.CI === 'true') throw new Error(`team tests cannot run in CI: ${reason}`);
  return reason;
}
const skipReason = (await postgresSkipReason()) ?? unshareSkipReason();

const storePlugin = join(repoRoot, 'packages/store-postgres/dist/index.js');
const lease = 3;

interface Machine {
  host: string;
  dir: string;
  env: Record<string, string>;
  spool: string;
}

/**
 * A "machine": its own HOME (so its own data directory and spool) and its own copy of the config, sharing only the
 * database URL; its processes run under their own host name (a UTS namespace), so the others cannot see whether
 * they live and rely on their leases, as across real machines.
 */
function machine(host: string, url: string, policies: string, delayMs: number): Machine {
  const { home, env } = isolatedHome();
  const dir = writeConfig(temporaryDir(`config-${host}`), {
    tools: { primary: { models: ['model-dollar'], env: { STAND_IN_DELAY_MS: String(delayMs) } } },
    agents: '  writer:\n    preferred_tool: primary\n    preferred_model: model-dollar\n',
    extraFiles: {
      'models.yaml': 'version: 1\nmodels:\n  model-dollar: { input_per_mtok: 1000000, output_per_mtok: 0 }\n',
      'policies.yaml': `version: 1\n${policies}estimate: { default_output_tokens: 0 }\n`,
      'llm-service.yaml':
        `version: 1\nproject: team\nplugins: [${JSON.stringify(storePlugin)}]\n` +
        `telemetry:\n  store: postgres\n  url: \${LLM_SERVICE_DATABASE_URL}\n  reservation_lease_s: ${lease}\n`,
    },
  });
  return {
    host,
    dir,
    env: { ...env, LLM_SERVICE_DATABASE_URL: url },
    spool: join(home, '.local/share/llm-service/spool'),
  };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/** `llm-service exec` on a machine: the prompt `hello` is one token, so each request is estimated at $1.00. */
function exec(on: Machine, onStart?: (pid: number) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'unshare',
      [
        '--uts',
        'sh',
        '-c',
        'hostname "$1" && shift && exec "$@"',
        'sh',
        on.host,
        process.execPath,
        binPath,
        'exec',
        '--config-dir',
        on.dir,
        '--agent',
        'writer',
        '--prompt',
        'hello',
      ],
      // Its own process group, so a "crash" can take the whole machine's work at once.
      { env: on.env as NodeJS.ProcessEnv, detached: true },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    if (child.pid !== undefined) onStart?.(child.pid);
    child.on('close', (code) => resolve({ code, stdout, stderr, pid: child.pid ?? 0 }));
  });
}

describe.skipIf(skipReason !== undefined)(`one budget for a team on PostgreSQL ${skipReason ?? ''}`, () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await server?.destroy();
  });

  const database = async () => server.createDatabase(`team_${randomBytes(5).toString('hex')}`);
  const query = async (sql: string, db: string) => (await server.sql(sql, db)).trim();
  /** Waits until a query answers `expected`; before the first run has created the schema, it answers nothing. */
  const waitForAnswer = async (sql: string, db: string, expected: string) => {
    for (let tries = 0; tries < 400; tries++) {
      if ((await query(sql, db).catch(() => undefined)) === expected) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${sql} never answered ${expected}`);
  };
  const nameOf = (url: string) => new URL(url).pathname.slice(1);

  it('three machines each starting 10 execs against a hard budget that fits 12: exactly 12 run', async () => {
    const url = await database();
    const db = nameOf(url);
    const hard = 'budgets:\n  - { scope: global, period: daily, limit_usd: 12, mode: hard }\n';
    const machines = ['machine-a', 'machine-b', 'machine-c'].map((host) => machine(host, url, hard, 6000));
    const runs = await Promise.all(machines.flatMap((each) => Array.from({ length: 10 }, () => exec(each))));
    const codes = runs.map((run) => run.code);
    expect(codes.filter((code) => code === 0)).toHaveLength(12);
    expect(codes.filter((code) => code === 3)).toHaveLength(18);
    for (const run of runs.filter((each) => each.code === 3))
      expect(run.stderr).toContain("hard daily budget 'global' would be exceeded");

    // Every run is one row, and the ledger's spend is the sum of the rows.
    expect(
      await query('SELECT status, COUNT(*) FROM llm_service.invocations GROUP BY status ORDER BY status', db),
    ).toBe('blocked|18\nsuccess|12');
    expect(await query('SELECT COUNT(DISTINCT invocation_id) FROM llm_service.invocations', db)).toBe('30');
    const rowsSum = Number(await query('SELECT SUM(cost_usd) FROM llm_service.invocations', db));
    expect(rowsSum).toBeCloseTo(12, 9);
    const budget = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [binPath, 'budget', '--json', '--config-dir', machines[0]!.dir], {
        env: machines[0]!.env as NodeJS.ProcessEnv,
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('close', () => resolve(out));
    });
    const report = JSON.parse(budget) as { budgets: { spentUsd: number }[] };
    expect(report.budgets[0]!.spentUsd).toBeCloseTo(rowsSum, 9);
    expect(await query("SELECT COUNT(*) FROM llm_service.reservations WHERE status = 'held'", db)).toBe('0');
  }, 180_000);

  it("frees a killed machine's reservation within its lease, and the budget is available again", async () => {
    const url = await database();
    const db = nameOf(url);
    const hard = 'budgets:\n  - { scope: global, period: daily, limit_usd: 1, mode: hard }\n';
    const slow = machine('machine-a', url, hard, 120_000);
    const other = machine('machine-b', url, hard, 0);
    let pid = 0;
    const killed = exec(slow, (started) => (pid = started));
    await waitFor(() => pid !== 0);
    // Held once the request reserved its dollar: the whole budget.
    await waitForAnswer("SELECT COUNT(*) FROM llm_service.reservations WHERE status = 'held'", db, '1');
    expect((await exec(other)).code).toBe(3);
    // kill -9 the machine's llm-service (the wrapper exec'd into it) and its tool, as a crash would.
    process.kill(-pid, 'SIGKILL');
    await killed;
    await waitFor(() => !processExists(pid));
    const killedAt = Date.now();
    let admitted: Run | undefined;
    while (Date.now() - killedAt < (lease + 5) * 1000) {
      const run = await exec(other);
      if (run.code === 0) {
        admitted = run;
        break;
      }
      expect(run.code).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(admitted, 'the budget came back within the lease').toBeDefined();
    expect(Date.now() - killedAt).toBeLessThan((lease + 5) * 1000);
    expect(await query('SELECT status FROM llm_service.reservations ORDER BY created_at LIMIT 1', db)).toBe(
      'expired',
    );
  }, 120_000);

  it("moves a person's SQLite history into the team's database, once however often it runs", async () => {
    const url = await database();
    const db = nameOf(url);
    const alone = machine('machine-a', url, '', 0);
    // Working alone first: the same config, on the default SQLite store.
    const sqliteConfig = (store: string) =>
      `version: 1\nproject: team\nplugins: [${JSON.stringify(storePlugin)}]\n` +
      `telemetry:\n  store: ${store}\n  url: \${LLM_SERVICE_DATABASE_URL}\n`;
    writeFileSync(join(alone.dir, 'llm-service.yaml'), sqliteConfig('sqlite'));
    for (let index = 0; index < 3; index++) expect((await exec(alone)).code).toBe(0);
    const migrate = () =>
      runCli(['telemetry', 'migrate', '--to', 'postgres', '--config-dir', alone.dir], { env: alone.env });
    const first = await migrate();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const said = first.stdout.toString();
    expect(said).toContain('Copied 3 attempts');
    expect(said).toContain(`127.0.0.1:${server.port}/${db}`);
    expect(said).not.toContain(server.password);
    expect((await migrate()).code).toBe(0);
    expect(await query('SELECT status, COUNT(*) FROM llm_service.invocations GROUP BY status', db)).toBe(
      'success|3',
    );
    // Joined the team: stats reads the team's database, which holds the history.
    writeFileSync(join(alone.dir, 'llm-service.yaml'), sqliteConfig('postgres'));
    expect((await exec(alone)).code).toBe(0);
    const stats = await runCli(['stats', '--json', '--config-dir', alone.dir], { env: alone.env });
    expect(stats.stderr).toBe('');
    expect(JSON.parse(stats.stdout.toString())).toMatchObject({ total: { invocations: 4, successes: 4 } });
  }, 120_000);

  it('spools finished attempts while PostgreSQL is down, blocks hard budgets meanwhile, and replays them once', async () => {
    const url = await database();
    const db = nameOf(url);
    const soft = 'budgets:\n  - { scope: global, period: daily, limit_usd: 100, mode: soft }\n';
    const hard = 'budgets:\n  - { scope: global, period: daily, limit_usd: 100, mode: hard }\n';
    const running = machine('machine-a', url, soft, 4000);
    const blocked = machine('machine-b', url, hard, 0);
    // Started (and reserved) while the database is up; it finishes while it is down.
    let started = false;
    const midRun = exec(running, () => (started = true));
    await waitFor(() => started);
    await waitForAnswer("SELECT COUNT(*) FROM llm_service.invocations WHERE status = 'running'", db, '1');
    await server.stop();
    const finished = await midRun;
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain('hello');
    expect(finished.stderr).toContain('to record later');
    expect(readdirSync(running.spool).length).toBeGreaterThan(0);

    // While it is down: a hard budget blocks (exit 2, naming the database and how to check it)…
    const whileDown = await exec(blocked);
    expect(whileDown.code).toBe(2);
    expect(whileDown.stderr).toContain("hard daily budget 'global' cannot be checked");
    expect(whileDown.stderr).toContain(`127.0.0.1:${server.port}/${db}`);
    expect(whileDown.stderr).toContain('pg_isready');
    expect(whileDown.stderr).not.toContain(server.password);
    // …and a soft one says it is not enforced, and runs.
    const softWhileDown = await exec(running);
    expect(softWhileDown.code).toBe(0);
    expect(softWhileDown.stderr).toContain('not enforced for this request');

    await server.start();
    const after = await exec(running);
    expect(after.code).toBe(0);
    // The attempt finished while the database was down is there once, finished; the spool is empty.
    expect(
      await query('SELECT status, COUNT(*) FROM llm_service.invocations GROUP BY status ORDER BY status', db),
    ).toBe('success|3');
    expect(
      await query(
        'SELECT COUNT(*) FROM llm_service.invocations GROUP BY invocation_id, attempt HAVING COUNT(*) > 1',
        db,
      ),
    ).toBe('');
    expect(readdirSync(running.spool)).toEqual([]);
  }, 120_000);
});
