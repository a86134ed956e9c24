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

  it('route previews what each candidate would cost and what the budgets would decide, running nothing', async () => {
    const { env } = isolatedHome();
    const { dir, dbPath } = budgetConfig(
      `version: 1\nbudgets:\n  - { scope: agent:writer, period: monthly, limit_usd: 0.5 }\n${estimateOnly}`,
    );
    const route = (...extra: string[]) =>
      runCli(['route', '--config-dir', dir, '--agent', 'writer', '--prompt', 'hello', ...extra], { env });
    const json = await route('--json');
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout.toString()) as {
      candidates: {
        tool: string;
        estimatedCostUsd: number;
        decisions: { policy: string; action: string }[];
      }[];
    };
    expect(plan.candidates[0]).toMatchObject({
      tool: 'primary',
      estimatedCostUsd: 1,
      estimatedUsage: { inputTokens: 1, outputTokens: 0 },
      decisions: [
        // Holds of plan windows apply whatever the rules: the plan-limit policy decides on every candidate.
        { policy: 'plan-limits', action: 'allow' },
        {
          policy: 'budget',
          action: 'block',
          message: expect.stringContaining("hard monthly budget 'agent:writer' would be exceeded"),
        },
      ],
    });
    const text = await route();
    expect(text.stdout.toString()).toContain('estimate: about $1.00 (1 in + 0 expected out tokens)');
    expect(text.stdout.toString()).toContain('policies: budget: block (hard monthly budget');
    // Nothing ran and nothing was held.
    const db = new TelemetryStore({ path: dbPath, create: true }).open();
    expect(db.prepare('SELECT COUNT(*) AS n FROM invocations').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM reservations').get()).toEqual({ n: 0 });
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

  it('counts a tool that reports no usage at its estimated usage, so a hard budget stops it', async () => {
    const { env } = isolatedHome();
    const { dir, dbPath } = budgetConfig(
      `version: 1\nbudgets:\n  - { scope: global, period: daily, limit_usd: 2.5, mode: hard }\n${estimateOnly}`,
    );
    // The stand-in answers plain text: before estimates, each answer cost $0 and no budget could stop it.
    const codes: (number | null)[] = [];
    for (let run = 0; run < 4; run++) codes.push((await exec(dir, env)).code);
    expect(codes).toEqual([0, 0, 3, 3]);
    const db = new TelemetryStore({ path: dbPath, create: false }).open();
    expect(
      db
        .prepare(
          `SELECT cost_usd AS cost, cost_source AS source, input_tokens AS input FROM invocations WHERE status = 'success'`,
        )
        .all(),
    ).toEqual([
      { cost: 1, source: 'estimated', input: 1 },
      { cost: 1, source: 'estimated', input: 1 },
    ]);
  }, 60_000);

  it("holds a `project` budget to the config's own project, while `global` counts every project", async () => {
    const { env } = isolatedHome();
    const dbPath = join(temporaryDir('db'), 'telemetry.db');
    const projects = temporaryDir('projects');
    const configFor = (name: string, extra = '') =>
      writeConfig(join(projects, name, '.llm-service'), {
        tools: { primary: { models: ['model-dollar'] } },
        agents: '  writer:\n    preferred_tool: primary\n    preferred_model: model-dollar\n',
        extraFiles: {
          'models.yaml':
            'version: 1\nmodels:\n  model-dollar: { input_per_mtok: 1000000, output_per_mtok: 0 }\n',
          'policies.yaml':
            'version: 1\nbudgets:\n  - { scope: project, period: daily, limit_usd: 1.5 }\n' +
            '  - { scope: global, period: daily, limit_usd: 2.5 }\n' +
            estimateOnly,
          'llm-service.yaml': `version: 1\n${extra}telemetry: { db_path: ${JSON.stringify(dbPath)} }\n`,
        },
      });
    // A directory holding `.llm-service/` names the project; llm-service.yaml may name it instead.
    const alpha = configFor('alpha');
    const beta = configFor('beta');
    const gamma = configFor('gamma', 'project: shared-gamma\n');
    const codes = [];
    for (const dir of [alpha, alpha, beta, beta]) codes.push((await exec(dir, env)).code);
    // alpha: $1, then over its $1.50; beta the same, its own spend counted apart from alpha's.
    expect(codes).toEqual([0, 3, 0, 3]);
    // gamma has spent nothing, but every project together has spent $2 of the $2.50 `global` allows.
    const blockedByGlobal = await exec(gamma, env);
    expect(blockedByGlobal.code).toBe(3);
    expect(blockedByGlobal.stderr).toContain("hard daily budget 'global' would be exceeded: spent $2.00");
    const alphaAgain = await exec(alpha, env);
    expect(alphaAgain.stderr).toContain("hard daily budget 'project' (project alpha) would be exceeded");

    const budget = async (...extra: string[]) => {
      const run = await runCli(['budget', '--config-dir', alpha, '--json', ...extra], { env });
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout.toString()) as {
        budgets: { scope: string; spendScope: string; spentUsd: number }[];
      };
      return report.budgets.map(({ scope, spendScope, spentUsd }) => ({ scope, spendScope, spentUsd }));
    };
    expect(await budget()).toEqual([
      { scope: 'project', spendScope: 'project:alpha', spentUsd: 1 },
      { scope: 'global', spendScope: 'global', spentUsd: 2 },
    ]);
    // Every project with requests this month is listed: gamma was only blocked, so it has spent nothing.
    expect(await budget('--all-projects')).toEqual([
      { scope: 'project', spendScope: 'project:alpha', spentUsd: 1 },
      { scope: 'global', spendScope: 'global', spentUsd: 2 },
      { scope: 'project', spendScope: 'project:beta', spentUsd: 1 },
      { scope: 'project', spendScope: 'project:shared-gamma', spentUsd: 0 },
    ]);
    const table = await runCli(['budget', '--config-dir', alpha, '--all-projects'], { env });
    expect(table.stdout.toString()).toContain('project (beta)');

    const stats = async (...extra: string[]) => {
      const run = await runCli(['stats', '--config-dir', alpha, '--json', ...extra], { env });
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout.toString()) as {
        project: string | null;
        total: { invocations: number; costUsd: number; estimatedCostUsd: number };
        groups: { group: string }[];
      };
    };
    expect(await stats()).toMatchObject({
      project: 'alpha',
      total: { invocations: 3, costUsd: 1, estimatedCostUsd: 1 },
    });
    const everywhere = await stats('--all-projects', '--by', 'project');
    expect(everywhere.project).toBeNull();
    expect(everywhere.groups.map((group) => group.group).sort()).toEqual(['alpha', 'beta', 'shared-gamma']);
    const db = new TelemetryStore({ path: dbPath, create: false }).open();
    expect(
      db.prepare(`SELECT project, status, COUNT(*) AS n FROM invocations GROUP BY 1, 2 ORDER BY 1, 2`).all(),
    ).toEqual([
      { project: 'alpha', status: 'blocked', n: 2 },
      { project: 'alpha', status: 'success', n: 1 },
      { project: 'beta', status: 'blocked', n: 1 },
      { project: 'beta', status: 'success', n: 1 },
      { project: 'shared-gamma', status: 'blocked', n: 1 },
    ]);
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
