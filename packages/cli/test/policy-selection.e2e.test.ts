import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TelemetryStore } from '@llm-service/telemetry';
import { isolatedHome, runCli, temporaryDir, writeConfig } from './support/cli.js';

/**
 * A tool that answers one JSON document with usage (10 input tokens per word of the prompt, 100 output tokens) and,
 * for the model named in FAIL_MODEL, fails; for the one in EMPTY_MODEL, answers nothing.
 */
function writeModelTool(dir: string): string {
  const path = join(dir, 'model-tool.mjs');
  writeFileSync(
    path,
    `#!/usr/bin/env node
const model = process.argv[process.argv.indexOf('--model') + 1];
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const words = Buffer.concat(chunks).toString().split(/\\s+/).filter(Boolean).length;
if (model === process.env.FAIL_MODEL) { process.stderr.write('model failed\\n'); process.exit(1); }
const text = model === process.env.EMPTY_MODEL ? '' : 'answer from ' + model;
process.stdout.write(JSON.stringify({ text, usage: { input: words * 10, output: 100 } }) + '\\n');
`,
  );
  chmodSync(path, 0o755);
  return path;
}

function selectionConfig(costOptimization: string, toolEnv: Record<string, string> = {}) {
  const root = temporaryDir('selection');
  const dbPath = join(root, 'telemetry.db');
  const dir = writeConfig(join(root, 'config'), {
    tools: {
      primary: {
        binary: writeModelTool(root),
        args: ['--model', '{{model}}'],
        output: '{ format: json, text: text, input_tokens: usage.input, output_tokens: usage.output }',
        models: ['model-a', 'model-b', 'model-c'],
        env: toolEnv,
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
      'policies.yaml': `version: 1\ncost_optimization:\n${costOptimization}`,
      'llm-service.yaml': `version: 1\ntelemetry: { db_path: ${JSON.stringify(dbPath)} }\n`,
    },
  });
  return { dir, dbPath };
}

const simple = [
  '  enabled: true',
  '  simple_task_threshold_tokens: 50',
  '  simple_task_models: [model-c, model-b]',
  '  task_type_models: { summary: model-b }',
  '',
].join('\n');

const execJson = (dir: string, env: Record<string, string>, ...extra: string[]) =>
  runCli(['exec', '--config-dir', dir, '--agent', 'writer', '--json', ...extra], { env });

function rowsOf(dbPath: string): Record<string, unknown>[] {
  const db = new TelemetryStore({ path: dbPath, create: false }).open();
  return db
    .prepare(
      'SELECT model, reason, status, baseline_model, baseline_cost_usd, computed_cost_usd FROM invocations ORDER BY id',
    )
    .all() as Record<string, unknown>[];
}

describe('model selection by the policy plugin', () => {
  it('runs short prompts on the cheaper model and long ones on the preferred, never rewriting explicit choices', async () => {
    const { env } = isolatedHome();
    const { dir, dbPath } = selectionConfig(simple);

    const short = await execJson(dir, env, '--prompt', 'fix the typo');
    expect(short.code).toBe(0);
    expect(JSON.parse(short.stdout.toString())).toMatchObject({
      model: 'model-c',
      reason: 'cost_optimization',
      text: 'answer from model-c',
    });
    const long = await execJson(dir, env, '--prompt', 'word '.repeat(60));
    expect(JSON.parse(long.stdout.toString())).toMatchObject({ model: 'model-a', reason: 'above_threshold' });
    const overridden = await execJson(dir, env, '--prompt', 'fix the typo', '--model', 'model-a');
    expect(JSON.parse(overridden.stdout.toString())).toMatchObject({ model: 'model-a', reason: 'override' });
    const taskType = await execJson(dir, env, '--prompt', 'fix the typo', '--task-type', 'review');
    expect(JSON.parse(taskType.stdout.toString())).toMatchObject({ model: 'model-b', reason: 'task_type' });
    const mapped = await execJson(dir, env, '--prompt', 'word '.repeat(60), '--task-type', 'summary');
    expect(JSON.parse(mapped.stdout.toString())).toMatchObject({
      model: 'model-b',
      reason: 'cost_optimization',
    });

    // Every row records what the requested model would have cost with the same usage (prices of writeConfig:
    // model-a $3/$15, model-b $1/$5, model-c $0.5/$2 per million tokens; 30 input and 100 output tokens).
    const rows = rowsOf(dbPath);
    expect(rows[0]).toMatchObject({
      model: 'model-c',
      reason: 'cost_optimization',
      baseline_model: 'model-a',
    });
    expect(rows[0]?.baseline_cost_usd).toBeCloseTo((30 * 3 + 100 * 15) / 1e6, 12);
    expect(rows[0]?.computed_cost_usd).toBeCloseTo((30 * 0.5 + 100 * 2) / 1e6, 12);
    expect(rows[1]).toMatchObject({ model: 'model-a', reason: 'above_threshold', baseline_model: 'model-a' });
    expect(rows[3]).toMatchObject({ model: 'model-b', reason: 'task_type', baseline_model: 'model-b' });

    const stats = await runCli(['stats', '--config-dir', dir, '--savings', '--json'], { env });
    expect(stats.code).toBe(0);
    const savings = JSON.parse(stats.stdout.toString()).savings;
    expect(savings.byReason.map((row: { group: string }) => row.group)).toContain('cost_optimization');
    expect(savings.byReason[0]).toMatchObject({ group: 'cost_optimization', invocations: 2 });
    expect(savings.byAgent).toMatchObject([{ group: 'writer', invocations: 5 }]);
    expect(savings.savedUsd).toBeGreaterThan(0);
    const text = await runCli(['stats', '--config-dir', dir, '--savings'], { env });
    expect(text.stdout.toString()).toMatch(/cost_optimization +2 /);
  }, 60_000);

  it('escalates once to the replaced model when the cheaper one fails or answers nothing', async () => {
    const { env } = isolatedHome();
    const failing = selectionConfig(simple, { FAIL_MODEL: 'model-c' });
    const failed = await runCli(
      ['exec', '--config-dir', failing.dir, '--agent', 'writer', '--prompt', 'fix the typo'],
      { env },
    );
    expect(failed.code).toBe(0);
    expect(failed.stdout.toString()).toBe('answer from model-a');
    expect(failed.stderr).toContain('primary:model-c failed; escalating to primary:model-a');
    expect(rowsOf(failing.dbPath).map((row) => [row.model, row.reason, row.status])).toEqual([
      ['model-c', 'cost_optimization', 'failed'],
      ['model-a', 'escalation', 'success'],
    ]);

    const empty = selectionConfig(simple, { EMPTY_MODEL: 'model-c' });
    const answered = await execJson(empty.dir, env, '--prompt', 'fix the typo');
    expect(JSON.parse(answered.stdout.toString())).toMatchObject({
      model: 'model-a',
      reason: 'escalation',
      text: 'answer from model-a',
    });
  }, 60_000);
});
