import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath, isolatedHome, runCli, temporaryDir, writeConfig } from './support/cli.js';

/** util-linux `script` runs a command on a pseudo-terminal, so stdin and stderr are terminals as for a person. */
const hasScript =
  process.platform === 'linux' && spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** A soft weekly budget of $1 alerting at 50%; the prompt `hello` is estimated at exactly $1.00. */
function softBudgetConfig(): string {
  return writeConfig(temporaryDir('confirm'), {
    tools: { primary: { models: ['model-dollar'] } },
    agents: '  writer:\n    preferred_tool: primary\n    preferred_model: model-dollar\n',
    extraFiles: {
      'models.yaml': 'version: 1\nmodels:\n  model-dollar: { input_per_mtok: 1000000, output_per_mtok: 0 }\n',
      'policies.yaml':
        'version: 1\nbudgets:\n  - { scope: global, period: weekly, limit_usd: 1, alert_at_percent: 50, mode: soft }\n' +
        'estimate: { default_output_tokens: 0 }\n',
      'llm-service.yaml': `version: 1\ntelemetry: { db_path: ${JSON.stringify(join(temporaryDir('db'), 't.db'))} }\n`,
    },
  });
}

/** Runs exec on a terminal, typing `answer`; returns everything the terminal showed. */
function execOnTerminal(dir: string, env: Record<string, string>, answer: string, ...extra: string[]) {
  const command = [
    process.execPath,
    binPath,
    'exec',
    '--config-dir',
    dir,
    '--agent',
    'writer',
    '--prompt',
    'hello',
    ...extra,
  ]
    .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
    .join(' ');
  const run = spawnSync('script', ['-qec', `${command}; echo "EXIT=$?"`, '/dev/null'], {
    env,
    input: answer,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return run.stdout.replaceAll('\r', '');
}

describe('soft budgets past their alert threshold', () => {
  it.skipIf(!hasScript)(
    'ask Proceed? [y/N] on a terminal: no blocks with exit 3, yes runs',
    () => {
      const { env } = isolatedHome();
      const dir = softBudgetConfig();
      const declined = execOnTerminal(dir, env, 'n\n');
      expect(declined).toContain(
        "soft weekly budget 'global': spent $0.00 of $1.00; with this request's estimate of $1.00 that is 100% (alert at 50%)",
      );
      expect(declined).toContain('Proceed? [y/N]');
      expect(declined).toContain('declined:');
      expect(declined).toContain('EXIT=3');
      expect(declined).not.toContain('Stand-in answer');

      const accepted = execOnTerminal(dir, env, 'y\n');
      expect(accepted).toContain('Proceed? [y/N]');
      expect(accepted).toContain('Stand-in answer from model-dollar');
      expect(accepted).toContain('EXIT=0');

      // --yes answers for the user: no question.
      const answered = execOnTerminal(dir, env, '', '--yes');
      expect(answered).not.toContain('Proceed?');
      expect(answered).toContain('EXIT=0');
    },
    60_000,
  );

  it('warn and proceed when nobody can be asked (no terminal): a script never hangs on a question', async () => {
    const { env } = isolatedHome();
    const run = await runCli(
      ['exec', '--config-dir', softBudgetConfig(), '--agent', 'writer', '--prompt', 'hello'],
      {
        env,
      },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("warning: soft weekly budget 'global'");
    expect(run.stderr).not.toContain('Proceed?');
  }, 30_000);
});
