import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedHome, repoRoot, runCli, temporaryDir, writeConfig } from './support/cli.js';

/** Agent writer on primary:model-a (the stand-in in JSON mode, which reports usage); telemetry in a fresh file. */
function commandConfig(policiesYaml: string) {
  const root = temporaryDir('policy-commands');
  const dbPath = join(root, 'telemetry.db');
  const dir = writeConfig(join(root, 'config'), {
    tools: {
      primary: {
        args: ['exec', '--json', '--model', '{{model}}', '-'],
        output:
          '{ format: jsonl, text: item.text, input_tokens: usage.input_tokens, output_tokens: usage.output_tokens }',
        models: ['model-a', 'model-b', 'model-c'],
      },
    },
    agents: [
      '  writer:',
      '    preferred_tool: primary',
      '    preferred_model: model-a',
      '    task_types:',
      '      review: { model: model-b }',
      '',
    ].join('\n'),
    extraFiles: {
      'policies.yaml': policiesYaml,
      'llm-service.yaml': `version: 1\ntelemetry: { db_path: ${JSON.stringify(dbPath)} }\n`,
    },
  });
  return { root, dir, dbPath };
}

const budgets = [
  'version: 1',
  'budgets:',
  '  - { scope: global, period: daily, limit_usd: 1, alert_at_percent: 80 }',
  "  - { scope: 'agent:writer', period: monthly, limit_usd: 50, mode: soft }",
  '  - { scope: chain, period: daily, limit_usd: 2 }',
  '',
].join('\n');

const cheaper = [
  'version: 1',
  'cost_optimization:',
  '  enabled: true',
  '  simple_task_threshold_tokens: 1000',
  '  simple_task_models: [model-c]',
  '',
].join('\n');

describe('budget', () => {
  it('shows every budget with spent, limit, a bar, percentage, mode and time to reset (and --json)', async () => {
    const { env } = isolatedHome();
    const { dir } = commandConfig(budgets);
    const ran = await runCli(
      [
        'exec',
        '--config-dir',
        dir,
        '--agent',
        'writer',
        '--prompt',
        'hello',
        '--chain-id',
        'run-1',
        '--json',
      ],
      { env },
    );
    expect(ran.code).toBe(0);
    const costUsd = JSON.parse(ran.stdout.toString()).costUsd as number;
    expect(costUsd).toBeGreaterThan(0);

    const json = await runCli(['budget', '--config-dir', dir, '--chain-id', 'run-1', '--json'], { env });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout.toString());
    expect(
      report.budgets.map((status: { scope: string; mode: string }) => [status.scope, status.mode]),
    ).toEqual([
      ['global', 'hard'],
      ['agent:writer', 'soft'],
      ['chain', 'hard'],
    ]);
    for (const status of report.budgets) {
      expect(status.spentUsd).toBeCloseTo(costUsd, 12);
      expect(status.resetsInMs).toBeGreaterThan(0);
    }
    expect(report.budgets[0].percent).toBeCloseTo(costUsd * 100, 9);
    expect(report.budgets[2].spendScope).toBe('chain:run-1');

    const text = await runCli(['budget', '--config-dir', dir], { env });
    expect(text.code).toBe(0);
    const lines = text.stdout.toString().split('\n');
    expect(lines[0]).toMatch(/^budget +period +mode +spent +limit +use +% +state +resets in$/);
    expect(lines[1]).toMatch(
      // Below a cent, two significant digits; under an hour before midnight the reset is minutes only.
      /^global +daily +hard +\$0\.0\d+ +\$1\.00 +\[\.{20}\] +0\.\d% +(?:\d+h )?\d+m \(\d{4}-\d\d-\d\dT00:00:00Z\)$/,
    );
    expect(lines[3]).toContain('per chain');
  }, 60_000);

  it('says so when policies.yaml has no budgets, and when there is no policies.yaml', async () => {
    const { env } = isolatedHome();
    const { dir } = commandConfig('version: 1\n');
    const run = await runCli(['budget', '--config-dir', dir], { env });
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toContain('policies.yaml has no budgets: entries');

    rmSync(join(dir, 'policies.yaml'));
    const withoutFile = await runCli(['budget', '--config-dir', dir], { env });
    expect(withoutFile.code).toBe(0);
    expect(withoutFile.stdout.toString()).toContain(`No budgets: there is no policies.yaml in ${dir}.`);
  }, 30_000);
});

describe('simulate', () => {
  /**
   * By hand, at model-a $3/$15 and model-c $0.5/$2 per million tokens: two 500-token prompts with 1,000 output
   * tokens cost $0.0165 each on model-a and $0.00225 each on model-c; a 2,000-token prompt with 1,000 output tokens
   * costs $0.021 on model-a either way (above the threshold). Current (no optimisation) $0.054, candidate $0.0255:
   * 52.78% saved. The unknown agent is left out and reported.
   */
  const workload = [
    '{"agent": "writer", "prompt_tokens": 500, "output_tokens": 1000, "count": 2}',
    '',
    '{"agent": "writer", "task_type": "draft", "prompt_tokens": 2000, "output_tokens": 1000}',
    '{"agent": "ghost", "prompt_tokens": 10, "output_tokens": 10}',
  ].join('\n');

  it('replays a workload under the current and the candidate policies, per agent and model', async () => {
    const { env } = isolatedHome();
    const { root, dir } = commandConfig('version: 1\n');
    const workloadPath = join(root, 'workload.jsonl');
    writeFileSync(workloadPath, workload);
    const candidatePath = join(root, 'cheaper.yaml');
    writeFileSync(candidatePath, cheaper);
    const args = ['simulate', '--config-dir', dir, '--workload', workloadPath, '--policies', candidatePath];

    const json = await runCli([...args, '--json'], { env });
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout.toString());
    expect(report.total.requests).toBe(3);
    expect(report.total.requestedUsd).toBeCloseTo(0.054, 12);
    expect(report.total.currentUsd).toBeCloseTo(0.054, 12);
    expect(report.total.candidateUsd).toBeCloseTo(0.0255, 12);
    expect(report.total.candidateSavedPercent).toBeCloseTo((0.0285 / 0.054) * 100, 6); // JSON keeps 10 significant digits
    expect(report.byAgent).toMatchObject([{ agent: 'writer', requests: 3 }]);
    expect(
      report.byModel.map(
        (entry: { model: string; current: { requests: number }; candidate: { requests: number } }) => [
          entry.model,
          entry.current.requests,
          entry.candidate.requests,
        ],
      ),
    ).toEqual([
      ['model-a', 3, 1],
      ['model-c', 0, 2],
    ]);
    expect(report.skipped).toEqual([{ reason: "unknown agent 'ghost'", requests: 1 }]);

    const text = await runCli(args, { env });
    expect(text.code).toBe(0);
    expect(text.stdout.toString()).toContain(
      'The candidate policies cost $0.03 against $0.05 now: 52.8% saved',
    );
    expect(text.stdout.toString()).toMatch(/writer +3 +\$0\.05 +\$0\.05 +\$0\.03 +52\.8%/);
  }, 30_000);

  it('replays hard budgets in time order: what a budget would block is counted apart, not as savings', async () => {
    const { env } = isolatedHome();
    // Each request costs $0.0165 on model-a: two fit in a $0.04 daily budget, the third that day is blocked, and the
    // fourth, the next day, runs again. The untimed request is not charged.
    const { root, dir } = commandConfig(
      'version: 1\nbudgets:\n  - { scope: agent:writer, period: daily, limit_usd: 0.04, mode: hard }\n',
    );
    const line = (at: string) =>
      `{"agent": "writer", "prompt_tokens": 500, "output_tokens": 1000, "at": "${at}"}`;
    const workloadPath = join(root, 'timed.jsonl');
    writeFileSync(
      workloadPath,
      [
        line('2026-11-25T12:00:00Z'),
        line('2026-11-25T09:00:00Z'),
        line('2026-11-25T23:59:59Z'),
        line('2026-11-26T00:00:00Z'),
        '{"agent": "writer", "prompt_tokens": 500, "output_tokens": 1000}',
      ].join('\n'),
    );
    const args = ['simulate', '--config-dir', dir, '--workload', workloadPath];
    const report = JSON.parse((await runCli([...args, '--json'], { env })).stdout.toString());
    expect(report.total.requests).toBe(5);
    expect(report.blockedByBudgets).toEqual({
      current: { requests: 1, costUsd: expect.closeTo(0.0165, 12) },
      candidate: null,
      untimedRequests: 1,
    });
    expect(report.total.currentUsd).toBeCloseTo(4 * 0.0165, 12);
    const text = (await runCli(args, { env })).stdout.toString();
    expect(text).toContain('Hard budgets block 1 requests ($0.02) under the current policies');
    expect(text).toContain('1 requests have none ("at" in the workload) and were not charged');
  }, 30_000);

  it('replays what telemetry recorded since a date', async () => {
    const { env } = isolatedHome();
    const { root, dir } = commandConfig('version: 1\n');
    for (const prompt of ['first request', 'second request']) {
      const ran = await runCli(['exec', '--config-dir', dir, '--agent', 'writer', '--prompt', prompt], {
        env,
      });
      expect(ran.code).toBe(0);
    }
    const candidatePath = join(root, 'cheaper.yaml');
    writeFileSync(candidatePath, cheaper);
    const today = new Date().toISOString().slice(0, 10);
    const run = await runCli(
      [
        'simulate',
        '--config-dir',
        dir,
        '--from-telemetry',
        '--since',
        today,
        '--policies',
        candidatePath,
        '--json',
      ],
      { env },
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout.toString());
    expect(report.source).toEqual({ kind: 'telemetry', since: `${today}T00:00:00.000Z` });
    expect(report.total.requests).toBe(2);
    expect(report.total.candidateUsd).toBeLessThan(report.total.currentUsd);
  }, 60_000);

  it('reports usage errors on one line with exit code 2: bad lines with file and line, bad flags, bad policies', async () => {
    const { env } = isolatedHome();
    const { root, dir } = commandConfig('version: 1\n');
    const bad = join(root, 'bad.jsonl');
    writeFileSync(bad, '{"agent": "writer", "prompt_tokens": -1, "output_tokens": 1}\nnot json\n');
    const lines = await runCli(['simulate', '--config-dir', dir, '--workload', bad], { env });
    expect(lines.code).toBe(2);
    expect(lines.stderr).toContain('invalid workload (2 problems)');
    expect(lines.stderr).toMatch(/bad\.jsonl:1: prompt_tokens: /);
    expect(lines.stderr).toContain('bad.jsonl:2: not a JSON object');

    const neither = await runCli(['simulate', '--config-dir', dir], { env });
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('give either --workload FILE.jsonl or --from-telemetry --since DATE');
    const noSince = await runCli(['simulate', '--config-dir', dir, '--from-telemetry'], { env });
    expect(noSince.code).toBe(2);
    const badDate = await runCli(
      ['simulate', '--config-dir', dir, '--from-telemetry', '--since', 'yesterday'],
      {
        env,
      },
    );
    expect(badDate.stderr).toContain("--since 'yesterday' is not a date");

    const workloadPath = join(root, 'workload.jsonl');
    writeFileSync(workloadPath, workload);
    const typo = join(root, 'typo.yaml');
    writeFileSync(typo, 'version: 1\ncost_optimization:\n  enabled: true\n  simple_task_models: [model-z]\n');
    const badPolicies = await runCli(
      ['simulate', '--config-dir', dir, '--workload', workloadPath, '--policies', typo],
      { env },
    );
    expect(badPolicies.code).toBe(2);
    expect(badPolicies.stderr).toContain('typo.yaml:4');
    expect(badPolicies.stderr).toContain("model 'model-z' has no price in models.yaml");
  }, 60_000);

  it('replays the shipped example workload, and the cost-optimised policies save money', async () => {
    const { env } = isolatedHome();
    const examples = join(repoRoot, 'examples/workloads');
    const run = await runCli(
      [
        'simulate',
        '--config-dir',
        join(examples, 'config'),
        '--workload',
        join(examples, 'team-week.jsonl'),
        '--policies',
        join(examples, 'policies.cost-optimized.yaml'),
        '--json',
      ],
      { env },
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout.toString());
    expect(report.total.requests).toBe(448);
    expect(report.skipped).toEqual([]);
    expect(report.total.candidateSavedPercent).toBeGreaterThan(5);
  }, 30_000);
});
