import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TelemetryStore } from '@llm-service/telemetry';
import { isolatedHome, runCli, temporaryDir, writeConfig } from './support/cli.js';

/**
 * A config whose model costs $1 a prompt token and nothing for output, so the prompt `hello` (one o200k token) is
 * estimated at exactly $1.00. The stand-in answers after `delayMs`, so every process reserves before any settles.
 */
function budgetConfig(policiesYaml: string, delayMs = 0) {
  const dbPath = join(temporaryDir('db'), 'telemetry.db');
  const dir = writeConfig(temporaryDir('config'), {
    tools: { primary: { models: ['model-dollar'], env: { STAND_IN_DELAY_MS: String(delayMs) } } },
    agents: '  writer:\n    preferred_tool: primary\n    preferred_model: model-dollar\n',
    extraFiles: {
      'models.yaml': 'version: 1\nmodels:\n  model-dollar: { input_per_mtok: 1000000, output_per_mtok: 0 }\n',
      'policies.yaml': policiesYaml,
      'llm-service.yaml': `version: 1\ntelemetry: { db_path: ${JSON.stringify(dbPath)} }\n`,
    },
  });
  return { dir, dbPath };
}

const estimateOnly = 'estimate: { default_output_tokens: 0 }\n';
const exec = (dir: string, env: Record<string, string>, ...extra: string[]) =>
  runCli(['exec', '--config-dir', dir, '--agent', 'writer', '--prompt', 'hello', ...extra], { env });

describe('budgets enforced by the policy plugin', () => {
  it('lets exactly five of ten concurrent $1 requests run under a hard $5 daily limit', async () => {
    const { env } = isolatedHome();
    const { dir, dbPath } = budgetConfig(
      `version: 1\nbudgets:\n  - { scope: global, period: daily, limit_usd: 5, mode: hard }\n${estimateOnly}`,
      8000,
    );
    const runs = await Promise.all(Array.from({ length: 10 }, () => exec(dir, env)));
    const codes = runs.map((run) => run.code).sort();
    expect(codes).toEqual([0, 0, 0, 0, 0, 3, 3, 3, 3, 3]);
    for (const run of runs.filter((each) => each.code === 3)) {
      expect(run.stderr).toContain("hard daily budget 'global' would be exceeded");
      expect(run.stderr).toContain('estimated at $1.00');
      expect(run.stderr).toContain('--force --reason');
      expect(run.stderr).toContain('policies.yaml');
    }
    const db = new TelemetryStore({ path: dbPath, create: false }).open();
    expect(
      db.prepare('SELECT status, COUNT(*) AS n FROM invocations GROUP BY status ORDER BY status').all(),
    ).toEqual([
      { status: 'blocked', n: 5 },
      { status: 'success', n: 5 },
    ]);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM reservations WHERE status = 'held'`).get()).toEqual({
      n: 0,
    });
  }, 90_000);

  it('blocks past a hard limit, and --force --reason runs anyway with the reason recorded', async () => {
    const { env } = isolatedHome();
    const { dir, dbPath } = budgetConfig(
      `version: 1\nbudgets:\n  - { scope: agent:writer, period: monthly, limit_usd: 0.5 }\n${estimateOnly}`,
    );
    const blocked = await exec(dir, env);
    expect(blocked.code).toBe(3);
    expect(blocked.stderr).toContain(
      "hard monthly budget 'agent:writer' would be exceeded: spent $0.00 of $0.50",
    );
    expect(blocked.stdout.toString()).toBe('');

    const forced = await exec(dir, env, '--force', '--reason', 'release day');
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('forced past');
    const db = new TelemetryStore({ path: dbPath, create: false }).open();
    expect(
      db.prepare(`SELECT force_reason AS reason FROM invocations WHERE status = 'success'`).all(),
    ).toEqual([{ reason: 'release day' }]);
  }, 30_000);

  it('warns past a soft budget when nobody can be asked, and blocks an estimate above --max-cost-usd', async () => {
    const { env } = isolatedHome();
    const { dir } = budgetConfig(
      `version: 1\nbudgets:\n  - { scope: global, period: weekly, limit_usd: 1, alert_at_percent: 50, mode: soft }\n${estimateOnly}`,
    );
    const soft = await exec(dir, env);
    expect(soft.code).toBe(0);
    expect(soft.stderr).toContain("warning: soft weekly budget 'global': spent $0.00 of $1.00");

    const capped = await exec(dir, env, '--max-cost-usd', '0.5');
    expect(capped.code).toBe(3);
    expect(capped.stderr).toContain('primary:model-dollar is estimated at $1.00, above --max-cost-usd $0.50');
    expect((await exec(dir, env, '--max-cost-usd', '1')).code).toBe(0);
  }, 30_000);

  it('expects output from the agent’s history once it has five successful requests, else from the default', async () => {
    const { env } = isolatedHome();
    const dbPath = join(temporaryDir('db'), 'telemetry.db');
    // Output costs $1 a token and the prompt nothing: an estimate is exactly the expected output tokens in dollars.
    const dir = writeConfig(temporaryDir('config'), {
      tools: {
        primary: {
          args: ['exec', '--json', '--model', '{{model}}', '-'],
          output:
            '{ format: jsonl, text: item.text, input_tokens: usage.input_tokens, output_tokens: usage.output_tokens }',
          models: ['model-output'],
        },
      },
      agents: '  writer:\n    preferred_tool: primary\n    preferred_model: model-output\n',
      extraFiles: {
        'models.yaml':
          'version: 1\nmodels:\n  model-output: { input_per_mtok: 0, output_per_mtok: 1000000 }\n',
        'policies.yaml': 'version: 1\nestimate: { default_output_tokens: 0 }\n',
        'llm-service.yaml': `version: 1\ntelemetry: { db_path: ${JSON.stringify(dbPath)} }\n`,
      },
    });
    for (let run = 0; run < 5; run++) {
      const allowed = await exec(dir, env, '--max-cost-usd', '1');
      expect(allowed.code, allowed.stderr).toBe(0);
    }
    const db = new TelemetryStore({ path: dbPath, create: false }).open();
    const ratios = (
      db.prepare('SELECT output_tokens * 1.0 / input_tokens AS ratio FROM invocations').all() as {
        ratio: number;
      }[]
    ).map((row) => row.ratio);
    expect(ratios).toHaveLength(5);
    // `hello` is one o200k token; the stand-in answers the same each time, so the median is that one ratio.
    const expectedUsd = Math.ceil(ratios[0]!);
    const blocked = await exec(dir, env, '--max-cost-usd', '1');
    expect(blocked.code).toBe(3);
    expect(blocked.stderr).toContain(
      `primary:model-output is estimated at $${expectedUsd}.00, above --max-cost-usd`,
    );
    expect(blocked.stderr).toContain(
      `1 prompt tokens + ${expectedUsd} expected output tokens: 5 past writer requests answer`,
    );
  }, 60_000);

  it('counts a tool that reports a cost of -100 at the estimate held, so a hard $5 limit still admits five', async () => {
    const { env } = isolatedHome();
    const dbPath = join(temporaryDir('db'), 'telemetry.db');
    const answer = JSON.stringify({ text: 'answered', cost_usd: -100 });
    const dir = writeConfig(temporaryDir('config'), {
      tools: {
        lying: {
          binary: process.execPath,
          args: ['-e', `process.stdout.write(${JSON.stringify(answer)})`],
          output: '{ format: json, text: text, cost_usd: cost_usd }',
          models: ['model-dollar'],
        },
      },
      agents: '  writer:\n    preferred_tool: lying\n    preferred_model: model-dollar\n',
      extraFiles: {
        'models.yaml':
          'version: 1\nmodels:\n  model-dollar: { input_per_mtok: 1000000, output_per_mtok: 0 }\n',
        'policies.yaml': `version: 1\nbudgets:\n  - { scope: global, period: daily, limit_usd: 5, mode: hard }\n${estimateOnly}`,
        'llm-service.yaml': `version: 1\ntelemetry: { db_path: ${JSON.stringify(dbPath)} }\n`,
      },
    });
    const codes: (number | null)[] = [];
    for (let run = 0; run < 8; run++) {
      const result = await exec(dir, env);
      codes.push(result.code);
      if (result.code === 0) {
        expect(result.stdout.toString()).toBe('answered');
        expect(result.stderr).toContain(
          'warning: lying:model-dollar reported cost_usd -100, which cannot be true; counting the estimate the budget held, $1.0000 instead',
        );
      }
    }
    expect(codes).toEqual([0, 0, 0, 0, 0, 3, 3, 3]);
    const db = new TelemetryStore({ path: dbPath, create: false }).open();
    expect(
      db
        .prepare(
          `SELECT cost_source AS source, COUNT(*) AS n, TOTAL(cost_usd) AS usd FROM invocations WHERE status = 'success'`,
        )
        .get(),
    ).toEqual({ source: 'estimated', n: 5, usd: 5 });
  }, 60_000);
});
