/**
 * examples/three-agents, followed as its README says, on a copy and with the built CLI: its config is valid, its one
 * inbox task becomes three done tasks (planner → architect → backend-dev) in one chain, and `stats --chain-id` gives
 * what the three cost together.
 */
import { chmodSync, cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskV1 } from '@llm-service/spec';
import { isolatedEnv, repoRoot, runCli, temporaryDir, type CliRun } from './support.js';

const example = join(repoRoot, 'examples/three-agents');
const inboxId = '2026-12-07T0400-planner-rate-limiter';
const readme = readFileSync(join(example, 'README.md'), 'utf8');

describe('examples/three-agents', () => {
  it('runs as its README says: one inbox task, three done tasks, and their costs add up to the chain’s in stats', async () => {
    // The README's way: a copy named three-agents, every command run in it with `--config-dir .`.
    const dir = join(temporaryDir('example'), 'three-agents');
    cpSync(example, dir, { recursive: true });
    // A checkout may have lost the stand-in's executable bit; tools.yaml runs it as a program.
    chmodSync(join(dir, 'stand-in-agent.mjs'), 0o755);
    const env = isolatedEnv();
    /** A command of the README (`llm-service …`), run as written, `<chain>` filled in. */
    const readmeCommand = async (line: string, chain = ''): Promise<CliRun> => {
      expect(readme).toContain(`\n${line}\n`);
      const args = line
        .replace(/^llm-service /, '')
        .split(' ')
        .map((arg) => (arg === '<chain>' ? chain : arg));
      const run = await runCli(args, { cwd: dir, env });
      expect(run.stderr, line).toBe('');
      expect(run.code, line).toBe(0);
      return run;
    };
    const json = async <T>(args: string[]): Promise<T> => {
      const run = await runCli([...args, '--json', '--config-dir', '.'], { cwd: dir, env });
      expect(run.code, args.join(' ')).toBe(0);
      return JSON.parse(run.stdout) as T;
    };

    await readmeCommand('llm-service config validate --config-dir .');
    await readmeCommand('llm-service tasks validate --config-dir .');
    const board = await readmeCommand('llm-service tasks list --config-dir .');
    expect(board.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^ID +STATUS +PRIORITY +AGENT +TITLE$/),
      expect.stringMatching(
        new RegExp(`^${inboxId} +new +high +planner +Add rate limiting to the public API$`),
      ),
    ]);
    await readmeCommand(`llm-service tasks assign ${inboxId} --config-dir .`);
    const run = await readmeCommand('llm-service tasks run --config-dir .');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^tasks run: 3 tasks \(3 done, 2 follow-ups created\) in [\d.]+ s, \$0\.\d+$/,
    );
    const listed = await readmeCommand('llm-service tasks list --status done --config-dir .');
    expect(listed.stdout.trimEnd().split('\n').slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^${inboxId} +done +high +planner `)),
      expect.stringMatching(/^\S+-architect-design-the-rate-limiter +done +high +architect /),
      expect.stringMatching(/^\S+-backend-dev-build-the-rate-limit-middleware +done +high +backend-dev /),
    ]);

    // Every task of the board, done: one for each agent, in one chain, each with what it cost and its answer.
    const { tasks } = await json<{ tasks: TaskV1[] }>(['tasks', 'list']);
    expect(tasks.map((task) => `${task.agent}:${task.status}`)).toEqual([
      'planner:done',
      'architect:done',
      'backend-dev:done',
    ]);
    const [planner, architect, developer] = tasks as [TaskV1, TaskV1, TaskV1];
    expect(planner.id).toBe(inboxId);
    const chain = planner.result!.chainId!;
    expect(chain).toMatch(/^[0-9a-f-]{36}$/);
    for (const task of tasks) {
      expect(task.result!.chainId).toBe(chain);
      expect(task.result!.costUsd).toBeGreaterThan(0);
      expect(task.result!.answer).toBe(`runs/${task.id}/answer.md`);
      const answer = readFileSync(join(dir, 'work/collaboration', task.result!.answer!), 'utf8');
      expect(answer).toContain(`## ${task.agent}: ${task.title}`);
      expect(answer).toContain('```yaml\nsummary: ');
    }
    // Each hand-off: the next agent's task depends on the one that handed off, with its note as context.
    expect(planner.result).toMatchObject({
      nextAgent: 'architect',
      artefacts: ['three-agents/notes/plan.md'],
    });
    expect(architect).toMatchObject({
      title: 'Design the rate limiter',
      dependsOn: [planner.id],
      context: { files: ['three-agents/notes/plan.md'] },
      result: { nextAgent: 'backend-dev' },
    });
    expect(developer).toMatchObject({
      title: 'Build the rate-limit middleware',
      dependsOn: [architect.id],
      context: { files: ['three-agents/notes/design.md'] },
    });
    expect(developer.result!.nextAgent).toBeUndefined();
    expect(readFileSync(join(dir, 'work/collaboration', architect.result!.answer!), 'utf8')).toContain(
      'was given three-agents/notes/plan.md as context',
    );

    const shown = await readmeCommand(`llm-service tasks show ${inboxId} --config-dir .`);
    expect(shown.stdout).toMatch(new RegExp(`^ {2}chain +${chain}$`, 'm'));
    const stats = await readmeCommand('llm-service stats --chain-id <chain> --config-dir .', chain);
    expect(stats.stdout).toContain(`Invocations in chain ${chain}`);
    const report = await json<{ total: { costUsd: number; invocations: number } }>([
      'stats',
      '--chain-id',
      chain,
    ]);
    expect(report.total.invocations).toBe(3);
    const sum = tasks.reduce((total, task) => total + task.result!.costUsd!, 0);
    expect(Math.abs(report.total.costUsd - sum)).toBeLessThan(1e-9);

    // The example itself is untouched: everything happened in the copy.
    expect(existsSync(join(example, `work/collaboration/inbox/${inboxId}.yaml`))).toBe(true);
    expect(existsSync(join(example, 'work/collaboration/runs'))).toBe(false);
    expect(existsSync(join(example, 'notes'))).toBe(false);
    expect(existsSync(join(example, 'telemetry.db'))).toBe(false);
  }, 90_000);
});
