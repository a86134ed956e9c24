/**
 * A hard budget stops a run of tasks exactly where it would be exceeded: the tasks it cannot pay for are `blocked`
 * with the budget's message, and nothing is spent past the limit.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createProject,
  jsonLines,
  leaseFiles,
  readTasks,
  runCli,
  standInPath,
  writeTask,
} from './runner-support.js';

describe('tasks run: budgets', () => {
  it('runs 3 of 10 tasks under a hard budget that fits 3, and blocks the other 7 with its message', async () => {
    // Each prompt is the one token `hello` (the agent's template is just the title) on a model that costs $1 a prompt
    // token and nothing for output: each task is estimated, and recorded, at exactly $1.00.
    const project = createProject({
      tool: [
        '  llm:',
        '    adapter: generic-yaml',
        `    binary: ${JSON.stringify(standInPath)}`,
        "    args: ['exec', '--model', '{{model}}', '-']",
        '    prompt_via: stdin',
        '    output: { format: text }',
        '    models: [model-a]',
        '    timeout_s: 60',
      ].join('\n'),
      models: 'version: 1\nmodels:\n  model-a: { input_per_mtok: 1000000, output_per_mtok: 0 }\n',
      policies:
        'version: 1\nbudgets:\n  - { scope: global, period: daily, limit_usd: 3.5, mode: hard }\nestimate: { default_output_tokens: 0 }\n',
      tasksSection: ['  templates:', '    planner: one-token.md'],
    });
    writeFileSync(join(project.configDir, 'one-token.md'), '{{title}}');
    const ids = Array.from({ length: 10 }, (_, index) => `task-${index}`);
    for (const [index, id] of ids.entries())
      writeTask(project, { id, agent: 'planner', title: 'hello', createdAt: `2026-12-01T09:00:0${index}Z` });

    const run = await runCli(project, ['tasks', 'run', '--json']);
    expect(run.code).toBe(3);
    const tasks = await readTasks(project);
    const byId = new Map(tasks.map((task) => [task.id, task]));
    // Oldest first: the first three ran.
    expect(ids.map((id) => byId.get(id)!.status)).toEqual([
      'done',
      'done',
      'done',
      ...Array.from({ length: 7 }, () => 'blocked'),
    ]);
    for (const id of ids.slice(0, 3)) expect(byId.get(id)!.result?.costUsd).toBe(1);
    for (const id of ids.slice(3)) {
      const blocked = byId.get(id)!;
      expect(blocked.error?.kind).toBe('policy');
      expect(blocked.error?.message).toMatch(
        /^hard daily budget 'global' would be exceeded: spent \$3\.00 of \$3\.50, and this request is estimated at \$1\.00 .*--force --reason/,
      );
    }
    const summary = jsonLines(run.stdout).at(-1);
    expect(summary).toMatchObject({
      type: 'summary',
      tasks: 10,
      done: 3,
      blocked: 7,
      costUsd: 3,
      exitCode: 3,
    });
    expect(leaseFiles(project)).toEqual([]);

    // Nothing overspent: the budget's spend and the recorded cost are the three tasks'.
    const budget = await runCli(project, ['budget', '--json']);
    expect(budget.code).toBe(0);
    expect((JSON.parse(budget.stdout) as { budgets: { spentUsd: number }[] }).budgets[0]!.spentUsd).toBe(3);
    const stats = await runCli(project, ['stats', '--json']);
    const report = JSON.parse(stats.stdout) as {
      total: { costUsd: number; successes: number };
      running: { count: number };
    };
    expect(report.total).toMatchObject({ costUsd: 3, successes: 3 });
    expect(report.running.count).toBe(0);
  }, 120_000);

  it('caps a whole pipeline with a chain budget, and leaves other chains alone', async () => {
    // $1 a prompt token, nothing for output, no output forecast: a task costs (and is estimated at) its prompt's tokens.
    const models = 'version: 1\nmodels:\n  model-a: { input_per_mtok: 1000000, output_per_mtok: 0 }\n';
    const toolEnv = { HANDOFF_NEXT: 'planner=architect' };
    const probe = createProject({ models, toolEnv });
    writeTask(probe, { id: 'plan', agent: 'planner', title: 'Plan the export feature' });
    const dryRun = await runCli(probe, ['tasks', 'run', '--dry-run', '--json']);
    const estimate = (jsonLines(dryRun.stdout)[0] as { estimatedCostUsd: number }).estimatedCostUsd;
    expect(estimate).toBeGreaterThan(10);

    // A chain may spend one and a half first tasks: the planner's task fits, its hand-off to the architect does not.
    const project = createProject({
      models,
      toolEnv,
      policies: [
        'version: 1',
        'budgets:',
        `  - { scope: chain, period: monthly, limit_usd: ${estimate * 1.5}, mode: hard }`,
        'estimate: { default_output_tokens: 0 }',
        '',
      ].join('\n'),
    });
    writeTask(project, {
      id: 'plan',
      agent: 'planner',
      title: 'Plan the export feature',
      createdAt: '2026-12-01T09:00:00Z',
    });
    writeTask(project, {
      id: 'other',
      agent: 'backend-dev',
      title: 'Fix the import bug',
      createdAt: '2026-12-01T09:00:01Z',
    });
    const run = await runCli(project, ['tasks', 'run', '--json']);
    expect(run.code, run.stderr).toBe(3);
    const tasks = await readTasks(project);
    const plan = tasks.find((task) => task.id === 'plan')!;
    const other = tasks.find((task) => task.id === 'other')!;
    const followUp = tasks.find((task) => task.agent === 'architect')!;
    expect([plan.status, other.status, followUp.status]).toEqual(['done', 'done', 'blocked']);
    expect(followUp.dependsOn).toEqual(['plan']);
    expect(followUp.error?.kind).toBe('policy');
    expect(followUp.error?.message).toContain(`hard monthly budget 'chain' (chain ${plan.result!.chainId})`);
    // Another chain spent as much again, under the same budget: each chain has its own.
    expect(other.result!.chainId).not.toBe(plan.result!.chainId);
    expect(other.result!.costUsd).toBeGreaterThan(0);
  }, 120_000);
});
