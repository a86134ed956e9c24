import { copyFileSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latestSchemaVersion, TelemetryStore } from '@llm-service/telemetry';
import { isolatedHome, runCli, temporaryDir, waitFor, writeConfig } from './support/cli.js';

const agents = `  architect:
    preferred_tool: primary
    preferred_model: model-a
    fallback_chain: ["secondary:model-b"]
    task_types:
      docs: { tool: secondary, model: model-c }
`;

/** A config whose primary tool can be told to fail, and the default database path. */
function setup(
  options: { primaryEnv?: Record<string, string>; settings?: string; files?: Record<string, string> } = {},
) {
  const { env, home } = isolatedHome();
  const dir = writeConfig(temporaryDir('config'), {
    tools: {
      primary: { models: ['model-a', 'model-b'], ...(options.primaryEnv ? { env: options.primaryEnv } : {}) },
      secondary: {
        models: ['model-b', 'model-c'],
        output:
          '{ format: jsonl, text: item.text, input_tokens: usage.input_tokens, output_tokens: usage.output_tokens }',
        args: ['exec', '--json', '--model', '{{model}}', '-'],
      },
    },
    agents,
    extraFiles: {
      ...(options.settings ? { 'llm-service.yaml': options.settings } : {}),
      ...options.files,
    },
  });
  const dbPath = join(home, '.local/share/llm-service/telemetry.db');
  return { env, home, dir, dbPath };
}

function readRows(dbPath: string): Record<string, unknown>[] {
  const store = new TelemetryStore({ path: dbPath, create: false });
  try {
    return store.open().prepare('SELECT * FROM invocations ORDER BY id').all() as Record<string, unknown>[];
  } finally {
    store.close();
  }
}

/** The attempts in a copy of the database file alone, without its write-ahead log. */
function attemptsInFileAlone(dbPath: string): number {
  const copy = join(temporaryDir('copy'), 'telemetry.db');
  copyFileSync(dbPath, copy);
  const store = new TelemetryStore({ path: copy, create: false });
  try {
    return (store.open().prepare('SELECT count(*) AS n FROM invocations').get() as { n: number }).n;
  } finally {
    store.close();
  }
}

describe('telemetry through the built binary', () => {
  it('records each attempt in the default database, owner-readable, and reports it with stats', async () => {
    const { env, dir, dbPath } = setup({ primaryEnv: { STAND_IN_FAIL: 'crash' } });
    const chain = { ...env, LLM_SERVICE_CHAIN_ID: 'pipeline-7' };
    for (const prompt of ['step one', 'step two', 'step three']) {
      const run = await runCli(['exec', '--config-dir', dir, '--agent', 'architect', '--prompt', prompt], {
        env: chain,
      });
      expect(run.code).toBe(0);
      expect(run.stderr).not.toMatch(/telemetry|database/i);
    }
    const docs = await runCli(
      [
        'exec',
        '--config-dir',
        dir,
        '-a',
        'architect',
        '-t',
        'docs',
        '-p',
        'docs please',
        '--chain-id',
        'other',
      ],
      { env },
    );
    expect(docs.code).toBe(0);

    expect(statSync(dbPath).mode & 0o777).toBe(0o600);
    const rows = readRows(dbPath);
    // Each exec falls back from primary (it crashes) to secondary: two rows sharing an invocation id.
    expect(
      rows.map((row) => [row.chain_id, row.attempt, row.tool, row.model, row.status, row.error_kind]),
    ).toEqual([
      ['pipeline-7', 1, 'primary', 'model-a', 'failed', 'tool-error'],
      ['pipeline-7', 2, 'secondary', 'model-b', 'success', null],
      ['pipeline-7', 1, 'primary', 'model-a', 'failed', 'tool-error'],
      ['pipeline-7', 2, 'secondary', 'model-b', 'success', null],
      ['pipeline-7', 1, 'primary', 'model-a', 'failed', 'tool-error'],
      ['pipeline-7', 2, 'secondary', 'model-b', 'success', null],
      ['other', 1, 'secondary', 'model-c', 'success', null],
    ]);
    expect(rows[0]!.invocation_id).toBe(rows[1]!.invocation_id);
    expect(new Set(rows.slice(0, 6).map((row) => row.invocation_id)).size).toBe(3);
    const success = rows[1]!;
    expect(success).toMatchObject({
      agent: 'architect',
      reason: 'fallback',
      cost_source: 'computed',
      exit_code: 0,
    });
    expect(success.input_tokens).toBeGreaterThan(0);
    expect(success.cost_usd).toBeCloseTo(
      ((success.input_tokens as number) * 1 + (success.output_tokens as number) * 5) / 1e6,
      12,
    );
    expect(success.price_hash).toMatch(/^[0-9a-f]{12}$/);
    expect(success.pid).toEqual(expect.any(Number));
    expect(success.prompt_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[6]).toMatchObject({ task_type: 'docs', reason: 'task_type' });

    const json = await runCli(['stats', '--config-dir', dir, '--by', 'model', '--json'], { env });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout.toString());
    expect(report).toMatchObject({
      version: 1,
      database: { path: dbPath, exists: true },
      window: { period: 'daily', timezone: 'UTC' },
      groupBy: 'model',
      total: { invocations: 7, successes: 4 },
      running: { count: 0, abandoned: 0 },
    });
    expect(
      report.groups.map((group: { group: string; invocations: number }) => [group.group, group.invocations]),
    ).toEqual(
      expect.arrayContaining([
        ['model-a', 3],
        ['model-b', 3],
        ['model-c', 1],
      ]),
    );

    const chainReport = await runCli(['stats', '--config-dir', dir, '--chain-id', 'pipeline-7'], { env });
    expect(chainReport.code).toBe(0);
    const text = chainReport.stdout.toString();
    expect(text).toContain('Invocations in chain pipeline-7 all recorded time, by day');
    expect(text).toMatch(/started\s+attempt\s+agent\s+tool:model\s+reason\s+status/);
    expect(text.match(/failed \(tool-error\)/g)).toHaveLength(3);

    const human = await runCli(['stats', '--config-dir', dir, '--by', 'agent', '--tz', 'Asia/Tokyo'], {
      env,
    });
    expect(human.stdout.toString()).toMatch(
      /^Invocations of project default today \(\d{4}-\d{2}-\d{2}, Asia\/Tokyo\), by agent/,
    );
  });

  it("leaves a run's rows in the write-ahead log, read by every reader, and merged by the next run", async () => {
    const { env, dir, dbPath } = setup();
    const exec = (prompt: string) =>
      runCli(['exec', '--config-dir', dir, '--agent', 'architect', '--prompt', prompt], { env });
    expect((await exec('first')).code).toBe(0);
    // exec ends without the checkpoint SQLite runs when a last connection closes: its row is in the log only.
    expect(statSync(`${dbPath}-wal`).size).toBeGreaterThan(0);
    expect(attemptsInFileAlone(dbPath)).toBe(0);
    expect((await exec('second')).code).toBe(0);
    // The second run merged the first one's row into the file when it opened it.
    expect(attemptsInFileAlone(dbPath)).toBe(1);
    expect(readRows(dbPath).map((row) => row.status)).toEqual(['success', 'success']);
  });

  it('says there is nothing yet on a machine without config or database, and exits 0', async () => {
    const { env, home } = isolatedHome();
    const run = await runCli(['stats'], { env, cwd: home });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout.toString()).toBe(
      `No telemetry recorded yet: ${join(home, '.local/share/llm-service/telemetry.db')} does not exist.\n` +
        'Invocations appear here once `llm-service exec` has run (telemetry.db_path in llm-service.yaml moves the file).\n',
    );
    const json = await runCli(['stats', '--json'], { env, cwd: home });
    expect(JSON.parse(json.stdout.toString())).toMatchObject({ database: { exists: false }, groups: [] });
    const named = await runCli(['stats', '--config-dir', join(home, 'no-such-config')], { env, cwd: home });
    expect(named.code).toBe(2);
    const usage = await runCli(['stats', '--daily', '--monthly'], { env, cwd: home });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give only one of --daily, --monthly');
  });

  it('uses telemetry.db_path, prunes old rows, and keeps capture off by default', async () => {
    const dbDir = temporaryDir('db');
    const dbPath = join(dbDir, 'custom.db');
    const { env, dir } = setup({
      settings: `version: 1\ntelemetry: { db_path: ${JSON.stringify(dbPath)} }\n`,
    });
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', 'remember nothing'], {
      env,
    });
    expect(run.code).toBe(0);
    expect(readRows(dbPath)).toHaveLength(1);
    const store = new TelemetryStore({ path: dbPath });
    expect(store.open().prepare('SELECT COUNT(*) AS n FROM invocation_content').get()).toEqual({ n: 0 });
    store.open().prepare("UPDATE invocations SET started_at = '2020-01-01T00:00:00.000Z'").run();
    store.close();
    const kept = await runCli(['telemetry', 'prune', '--config-dir', dir, '--before', '2019-12-31'], { env });
    expect(kept.stdout.toString()).toBe(
      `Deleted 0 invocations started before 2019-12-31T00:00:00.000Z from ${dbPath}.\n`,
    );
    const pruned = await runCli(['telemetry', 'prune', '--config-dir', dir, '--before', '2021-01-01'], {
      env,
    });
    expect(pruned.code).toBe(0);
    expect(pruned.stdout.toString()).toBe(
      `Deleted 1 invocation started before 2021-01-01T00:00:00.000Z from ${dbPath}.\n`,
    );
    expect(readRows(dbPath)).toHaveLength(0);
    const missing = await runCli(['telemetry', 'prune', '--config-dir', dir], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('telemetry prune needs --before DATE');
  });

  it('records a request blocked by a policy, with its reason and no secrets', async () => {
    const plugin = `export default {
      name: 'deny-all', version: '1.0.0', apiVersion: '^1.0.0',
      register(context) {
        context.policies.add({ specificationVersion: 'v1', id: 'deny', evaluate: () => ({ action: 'block',
          message: 'daily budget reached (key sk-live-abcdefghijklmnop1234)', hints: ['raise it'], endsRequest: true }) });
      },
    };\n`;
    const { env, dir, dbPath } = setup({
      settings: 'version: 1\nplugins: ["./deny-all.mjs"]\n',
      files: { 'deny-all.mjs': plugin },
    });
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', 'x'], { env });
    expect(run.code).toBe(3);
    expect(readRows(dbPath)).toMatchObject([
      {
        status: 'blocked',
        error_kind: 'policy',
        tool: 'primary',
        model: 'model-a',
        message: 'deny: daily budget reached (key sk-[REDACTED])',
        cost_usd: null,
      },
    ]);
  });

  it('shows running work to other processes, then records a cancelled attempt on SIGINT', async () => {
    const { env, dir, dbPath } = setup({ primaryEnv: { STAND_IN_DELAY_MS: '20000' } });
    let running: Record<string, unknown>[] = [];
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', 'slow'], {
      env,
      onSpawn: (child) => {
        void waitFor(() => {
          try {
            running = readRows(dbPath);
          } catch {
            return false;
          }
          return running.length === 1;
        }, 15_000).then(() => child.kill('SIGINT'));
      },
    });
    expect(running).toMatchObject([{ status: 'running', finished_at: null, tool: 'primary' }]);
    expect(run.code).toBe(130);
    expect(readRows(dbPath)).toMatchObject([{ status: 'cancelled', error_kind: 'cancelled' }]);
  });

  it('shows a row left running by a killed process as abandoned', async () => {
    const { env, dir, dbPath } = setup({ primaryEnv: { STAND_IN_DELAY_MS: '2000' } });
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', 'doomed'], {
      env,
      onSpawn: (child) => {
        void waitFor(() => {
          try {
            return readRows(dbPath).length === 1;
          } catch {
            return false;
          }
        }, 15_000).then(() => child.kill('SIGKILL'));
      },
    });
    expect(run.signal).toBe('SIGKILL');
    const report = JSON.parse(
      (await runCli(['stats', '--config-dir', dir, '--json'], { env })).stdout.toString(),
    );
    expect(report.running).toEqual({ count: 1, abandoned: 1 });
    const text = (await runCli(['stats', '--config-dir', dir], { env })).stdout.toString();
    expect(text).toContain('Included above: 1 abandoned (their process ended without recording a result).');
  });

  it('refuses a database from a newer release: exec still answers, stats explains', async () => {
    const { env, dir, dbPath } = setup();
    const first = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', 'x'], { env });
    expect(first.code).toBe(0);
    const store = new TelemetryStore({ path: dbPath });
    store.open().pragma(`user_version = ${latestSchemaVersion + 5}`);
    store.close();
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', 'y'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toContain('Stand-in answer');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(
      `schema version ${latestSchemaVersion + 5}, newer than this llm-service understands (${latestSchemaVersion})`,
    );
    const stats = await runCli(['stats', '--config-dir', dir], { env });
    expect(stats.code).toBe(2);
    expect(stats.stderr).toContain('newer than this llm-service understands');
    expect(stats.stderr).toContain('hint: upgrade llm-service');
  });

  it('names a damaged database as such: exec answers with a warning, a hard budget fails closed, stats refuses', async () => {
    const { env, dir, dbPath } = setup();
    for (let index = 0; index < 3; index++)
      expect(
        (await runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', `x${index}`], { env })).code,
      ).toBe(0);
    // Damaged pages, not a damaged header: every page but the first overwritten with noise.
    const store = new TelemetryStore({ path: dbPath });
    store.open().pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    const bytes = readFileSync(dbPath);
    for (let at = 4096; at < bytes.length; at += 4096)
      bytes.fill(0xa5, at + 100, Math.min(at + 4000, bytes.length));
    writeFileSync(dbPath, bytes);
    const damaged = `the telemetry database at ${dbPath} is damaged; move it aside`;

    const run = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', 'y'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.toString()).toContain('Stand-in answer');
    expect(run.stderr).toContain(damaged);
    expect(run.stderr).not.toContain('internal error');

    writeFileSync(
      join(dir, 'policies.yaml'),
      'version: 1\nbudgets:\n  - { scope: global, period: daily, limit_usd: 5, mode: hard }\n',
    );
    const budgeted = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', 'z'], { env });
    expect(budgeted.code).toBe(2);
    expect(budgeted.stdout.toString()).toBe('');
    expect(budgeted.stderr).toContain(damaged);

    const stats = await runCli(['stats', '--config-dir', dir], { env });
    expect(stats.code).toBe(2);
    expect(stats.stderr).toContain(damaged);
    expect(stats.stderr).not.toContain('internal error');
  });

  it('writes the JSONL log when telemetry.jsonl_path is set', async () => {
    const logDir = temporaryDir('jsonl');
    const { env, dir } = setup({
      settings: `version: 1\ntelemetry: { jsonl_path: ${JSON.stringify(join(logDir, 'events.jsonl'))} }\n`,
    });
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', 'log me'], { env });
    expect(run.code).toBe(0);
    const events = readFileSync(join(logDir, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; text?: string });
    expect(events.map((event) => event.type)).toEqual([
      'request.received',
      'route.planned',
      // The distribution loads the policy plugin, whose plan-limit and budget policies decide on every candidate.
      'policy.decided',
      'policy.decided',
      'invocation.started',
      'invocation.succeeded',
      'request.completed',
    ]);
    expect(events.some((event) => event.text !== undefined)).toBe(false);
  });
});
