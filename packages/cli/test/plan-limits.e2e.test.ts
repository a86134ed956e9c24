/**
 * Plan limits through the built CLI and the real Claude Code CLI on a subscription login, offline against the
 * Anthropic test server, which sends the service's rate-limit headers (claude turns them into `rate_limit_event`
 * lines only for a subscriber): windows are recorded and shown by `budget`; a `reroute` rule moves work off claude
 * before it starts; a refusal for the plan holds claude until the reset, then it is used again; a `defer` rule makes
 * `tasks run --watch` wait for the reset. The real codex's usage limit holds it the same way. Real clock throughout:
 * resets a few seconds ahead. Skipped, with the install command printed, only where the pinned program is not
 * installed.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
// The testkit is a private workspace package that the CLI does not depend on; its sources are imported directly.
import {
  AnthropicTestServer,
  claudeEnvironment,
  claudeSkipReason,
  codexEnvironment,
  codexSkipReason,
  findClaudeBinary,
  findCodexBinary,
  reply,
  responsesReply,
  ResponsesTestServer,
  type ScriptedReply,
} from '../../testkit/src/index.js';
import { isolatedHome, runCli, standInPath, temporaryDir, waitFor } from './support/cli.js';

const skipReason = claudeSkipReason();
if (skipReason !== undefined)
  process.stderr.write(`cli: skipping the plan-limit end-to-end tests: ${skipReason}\n`);
const claudeBinary = findClaudeBinary() ?? '/nonexistent/claude';

const servers: { close(): Promise<void> }[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const server of servers.splice(0)) await server.close();
});

async function server(replies: ScriptedReply[]): Promise<AnthropicTestServer> {
  const started = await AnthropicTestServer.start({ replies });
  servers.push(started);
  return started;
}

/** A reset time in whole seconds (the headers carry epoch seconds), `ms` from now. */
const resetIn = (ms: number) => new Date(Math.ceil((Date.now() + ms) / 1000) * 1000);

/** A reply within the plan whose five-hour window is at `utilization`, resetting at `resetsAt`. */
const withinPlan = (text: string, utilization: number, resetsAt: Date) =>
  reply.text(text, {
    rateLimits: {
      status: utilization >= 0.9 ? 'allowed_warning' : 'allowed',
      representativeClaim: 'five_hour',
      resetsAt,
      fiveHour: {
        utilization,
        resetsAt,
        status: utilization >= 0.9 ? 'allowed_warning' : 'allowed',
        ...(utilization >= 0.9 ? { surpassedThreshold: 0.9 } : {}),
      },
    },
  });

/**
 * A project whose `architect` prefers the real claude, billed by subscription, and (unless `fallback` is false) falls
 * back to the stand-in CLI; `planLimits` are the `plan_limits:` of policies.yaml, as YAML flow entries.
 */
function writeProject(options: { planLimits?: string[]; fallback?: boolean } = {}): {
  dir: string;
  workDir: string;
} {
  const dir = temporaryDir('plan-limits');
  const workDir = join(dir, 'tasks');
  mkdirSync(join(dir, 'work'));
  writeFileSync(
    join(dir, 'tools.yaml'),
    [
      'version: 1',
      'tools:',
      '  claude:',
      '    adapter: claude',
      `    binary: ${JSON.stringify(claudeBinary)}`,
      '    models: [claude-sonnet-4-5]',
      '    cwd: work',
      '    timeout_s: 60',
      '    billing: subscription',
      '  standin:',
      '    adapter: generic-yaml',
      `    binary: ${JSON.stringify(standInPath)}`,
      '    args: ["exec", "--model", "{{model}}", "-"]',
      '    prompt_via: stdin',
      '    models: [stand-in-small]',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'agents.yaml'),
    [
      'version: 1',
      'agents:',
      '  architect:',
      '    preferred_tool: claude',
      '    preferred_model: claude-sonnet-4-5',
      ...(options.fallback === false ? [] : ['    fallback_chain: ["standin:stand-in-small"]']),
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'models.yaml'),
    [
      'version: 1',
      'models:',
      '  claude-sonnet-4-5: { input_per_mtok: 3, output_per_mtok: 15 }',
      '  stand-in-small: { input_per_mtok: 0.1, output_per_mtok: 0.4 }',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'policies.yaml'),
    ['version: 1', `plan_limits: [${(options.planLimits ?? []).join(', ')}]`, ''].join('\n'),
  );
  writeFileSync(
    join(dir, 'llm-service.yaml'),
    ['version: 1', 'tasks:', `  work_dir: ${JSON.stringify(workDir)}`, ''].join('\n'),
  );
  return { dir, workDir };
}

/** llm-service's environment, and so claude's: a fresh HOME and a subscription login against the test server. */
function environment(target: AnthropicTestServer): Record<string, string> {
  const { env: base, home } = isolatedHome();
  const { env } = claudeEnvironment({ baseUrl: target.url, home, login: 'subscription' });
  return { ...base, ...env };
}

const exec = (dir: string, ...extra: string[]) => [
  'exec',
  '--config-dir',
  dir,
  '--agent',
  'architect',
  '--prompt',
  'Design a cache.',
  ...extra,
];

interface ExecJson {
  text: string;
  tool: string;
  attempts: { tool: string; status: string; message?: string }[];
}

describe.skipIf(skipReason !== undefined)('plan limits, with the real claude on a subscription', () => {
  it('records the windows claude reports, shows them in budget, and reroutes past a rule before claude starts', async () => {
    const resetsAt = resetIn(2 * 3_600_000);
    const target = await server([withinPlan('Within the plan.', 0.95, resetsAt)]);
    const { dir } = writeProject({
      planLimits: ['{ tool: claude, window: five_hour, above: 0.9, action: reroute }'],
    });
    const env = environment(target);

    // Nothing observed yet: claude runs, and says where its five-hour window stands.
    const first = await runCli(exec(dir), { env });
    expect(first.code).toBe(0);
    expect(first.stdout.toString()).toContain('Within the plan.');
    expect(target.messageRequests).toHaveLength(1);

    const budget = await runCli(['budget', '--config-dir', dir, '--json'], { env });
    expect(budget.code, budget.stderr).toBe(0);
    const report = JSON.parse(budget.stdout.toString()) as { windows?: Record<string, unknown>[] };
    expect(report.windows).toEqual([
      expect.objectContaining({
        tool: 'claude',
        window: 'five_hour',
        status: 'warning',
        utilization: 0.95,
        resetsAt: resetsAt.toISOString(),
      }),
    ]);
    const gauges = await runCli(['budget', '--config-dir', dir], { env });
    expect(gauges.stdout.toString()).toMatch(/claude 5-hour\s+\[#+\.*\]\s+95%\s+warning/);

    // At 95% with a reroute rule above 90%: the stand-in answers, and claude never reached the service.
    const second = await runCli(exec(dir, '--json'), { env });
    expect(second.code, second.stderr).toBe(0);
    const result = JSON.parse(second.stdout.toString()) as ExecJson;
    expect(result.tool).toBe('standin');
    expect(result.attempts[0]).toMatchObject({ tool: 'claude', status: 'skipped' });
    expect(result.attempts[0]?.message).toMatch(
      /^claude's 5-hour window is at 95%, past 90%; rerouted to standin:stand-in-small/,
    );
    expect(target.messageRequests).toHaveLength(1);
  }, 120_000);

  it('holds claude after it refused a request for its plan, skips it until the reset, then uses it again', async () => {
    const resetsAt = resetIn(8_000);
    const target = await server([
      reply.planLimitRejected({ window: 'five_hour', resetsAt }),
      withinPlan('Back after the reset.', 0.02, resetIn(5 * 3_600_000)),
    ]);
    const { dir } = writeProject();
    const env = environment(target);

    // Refused for its plan: the request falls back to the stand-in at once.
    const refused = await runCli(exec(dir, '--json'), { env });
    expect(refused.code, refused.stderr).toBe(0);
    const fellBack = JSON.parse(refused.stdout.toString()) as ExecJson;
    expect(fellBack.tool).toBe('standin');
    expect(fellBack.attempts[0]).toMatchObject({ tool: 'claude', status: 'failed' });
    expect(target.messageRequests).toHaveLength(1);

    // Held: the next request skips claude without starting it, and says until when.
    const held = await runCli(exec(dir, '--json'), { env });
    expect(held.code, held.stderr).toBe(0);
    const skipped = JSON.parse(held.stdout.toString()) as ExecJson;
    expect(skipped.tool).toBe('standin');
    expect(skipped.attempts[0]).toMatchObject({ tool: 'claude', status: 'skipped' });
    expect(skipped.attempts[0]?.message).toMatch(/^claude is held until \S+ \(in \d+s\)/);
    expect(target.messageRequests).toHaveLength(1);
    const budget = JSON.parse(
      (await runCli(['budget', '--config-dir', dir, '--json'], { env })).stdout.toString(),
    ) as { windows: { tool: string; status: string; hold?: { until: string } }[] };
    expect(budget.windows[0]).toMatchObject({
      tool: 'claude',
      status: 'rejected',
      hold: { until: resetsAt.toISOString() },
    });

    // After the reset, claude answers again.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, resetsAt.getTime() - Date.now() + 250)));
    const after = await runCli(exec(dir), { env });
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout.toString()).toContain('Back after the reset.');
    expect(target.messageRequests).toHaveLength(2);
  }, 120_000);

  it('tasks run --watch with a defer rule: the task waits while the window is over the threshold, and runs after the reset', async () => {
    const resetsAt = resetIn(8_000);
    const target = await server([
      withinPlan('Noted.', 0.95, resetsAt),
      withinPlan('The task, done after the reset.', 0.03, resetIn(5 * 3_600_000)),
    ]);
    const { dir, workDir } = writeProject({
      fallback: false,
      planLimits: ['{ tool: claude, window: five_hour, above: 0.9, action: defer }'],
    });
    const env = environment(target);
    // A first request records the window at 95%.
    expect((await runCli(exec(dir), { env })).code).toBe(0);
    expect(target.messageRequests).toHaveLength(1);

    mkdirSync(join(workDir, 'assigned', 'architect'), { recursive: true });
    writeFileSync(
      join(workDir, 'assigned', 'architect', 'cache-design.yaml'),
      [
        'id: cache-design',
        'agent: architect',
        'status: assigned',
        'title: "Design the cache"',
        'created_at: 2026-12-07T09:00:00Z',
        'assigned_at: 2026-12-07T09:00:00Z',
        '',
      ].join('\n'),
    );
    let runner: ChildProcess | undefined;
    const finished = runCli(['tasks', 'run', '--config-dir', dir, '--watch', '--json'], {
      env,
      onSpawn: (child) => {
        runner = child;
        children.push(child);
      },
    });
    const taskFile = () =>
      readdirSync(workDir, { recursive: true, encoding: 'utf8' }).find((path) =>
        path.endsWith('cache-design.yaml'),
      );
    // Deferred: put back to assigned with a note, and claude not started while the window is over the threshold.
    await waitFor(() => {
      const path = taskFile();
      return path !== undefined && readFileSync(join(workDir, path), 'utf8').includes('kind: deferred');
    }, 20_000);
    expect(Date.now()).toBeLessThan(resetsAt.getTime());
    expect(taskFile()).toContain('assigned');
    expect(target.messageRequests).toHaveLength(1);
    // After the reset, it runs on claude.
    await waitFor(() => taskFile()?.startsWith('done') ?? false, 40_000);
    expect(target.messageRequests).toHaveLength(2);
    expect(target.messageRequests[1]!.receivedAt).toBeGreaterThanOrEqual(resetsAt.getTime());
    runner?.kill('SIGTERM');
    const run = await finished;
    const lines = run.stdout
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; status?: string; error?: { kind: string } });
    expect(lines.filter((line) => line.type === 'task').map((line) => line.status)).toEqual([
      'assigned',
      'done',
    ]);
  }, 120_000);
});

const codexSkip = codexSkipReason();
if (codexSkip !== undefined) process.stderr.write(`cli: skipping the codex plan-limit test: ${codexSkip}\n`);

describe.skipIf(codexSkip !== undefined)('plan limits, with the real codex', () => {
  it('holds codex after its usage limit was reached, skipping it without starting it until the reset', async () => {
    // codex prints the reset to the minute ("try again at 2:15 PM"): an hour ahead, so the hold is certain.
    const resetsAt = resetIn(3_600_000);
    const target = await ResponsesTestServer.start({
      replies: [responsesReply.usageLimitReached({ resetsAt })],
      fallback: responsesReply.text('From codex.'),
    });
    servers.push(target);
    const dir = temporaryDir('plan-limits-codex');
    writeFileSync(
      join(dir, 'tools.yaml'),
      [
        'version: 1',
        'tools:',
        '  codex:',
        '    adapter: codex',
        `    binary: ${JSON.stringify(findCodexBinary() ?? 'codex')}`,
        '    models: [gpt-5.5]',
        '    timeout_s: 60',
        '    billing: subscription',
        '  standin:',
        '    adapter: generic-yaml',
        `    binary: ${JSON.stringify(standInPath)}`,
        '    args: ["exec", "--model", "{{model}}", "-"]',
        '    prompt_via: stdin',
        '    models: [stand-in-small]',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'agents.yaml'),
      'version: 1\nagents:\n  architect:\n    preferred_tool: codex\n    preferred_model: gpt-5.5\n    fallback_chain: ["standin:stand-in-small"]\n',
    );
    writeFileSync(
      join(dir, 'models.yaml'),
      'version: 1\nmodels:\n  gpt-5.5: { input_per_mtok: 2, output_per_mtok: 8 }\n  stand-in-small: { input_per_mtok: 0.1, output_per_mtok: 0.4 }\n',
    );
    const { env: base, home } = isolatedHome();
    const env = { ...base, ...codexEnvironment({ baseUrl: `${target.url}/v1`, home }).env };

    const refused = await runCli(exec(dir, '--json'), { env });
    expect(refused.code, refused.stderr).toBe(0);
    const fellBack = JSON.parse(refused.stdout.toString()) as ExecJson;
    expect(fellBack.tool).toBe('standin');
    expect(fellBack.attempts[0]).toMatchObject({ tool: 'codex', status: 'failed' });
    expect(target.responseRequests).toHaveLength(1);

    const held = await runCli(exec(dir, '--json'), { env });
    expect(held.code, held.stderr).toBe(0);
    const skipped = JSON.parse(held.stdout.toString()) as ExecJson;
    expect(skipped.attempts[0]).toMatchObject({ tool: 'codex', status: 'skipped' });
    expect(skipped.attempts[0]?.message).toMatch(/^codex is held until /);
    expect(target.responseRequests).toHaveLength(1);

    const budget = JSON.parse(
      (await runCli(['budget', '--config-dir', dir, '--json'], { env })).stdout.toString(),
    ) as { windows: { tool: string; status: string; hold?: { until: string } }[] };
    expect(budget.windows).toEqual([
      expect.objectContaining({ tool: 'codex', status: 'rejected', hold: expect.objectContaining({}) }),
    ]);
    // The hold ends where codex's printed minute ends: at or after the reset the server sent.
    expect(Date.parse(budget.windows[0]!.hold!.until)).toBeGreaterThanOrEqual(resetsAt.getTime() - 60_000);
  }, 120_000);
});
