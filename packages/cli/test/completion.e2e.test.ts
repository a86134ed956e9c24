import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath, isolatedHome, runCli, temporaryDir } from './support/cli.js';

/** Runs bash's completion function for a command line, as bash does on TAB, with the built binary on PATH. */
function completeInBash(script: string, words: string[], cwd: string): string[] {
  const bin = join(temporaryDir('bin'), 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'llm-service'), `#!/bin/sh\nexec "${process.execPath}" "${binPath}" "$@"\n`);
  chmodSync(join(bin, 'llm-service'), 0o755);
  const scriptFile = join(bin, 'completion.bash');
  writeFileSync(scriptFile, script);
  const line = words.map((word) => `'${word}'`).join(' ');
  const result = spawnSync(
    'bash',
    [
      '-c',
      `source "$1"; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _llm_service; printf '%s\\n' "\${COMPREPLY[@]}"`,
      'bash',
      scriptFile,
    ],
    { cwd, encoding: 'utf8', env: { ...isolatedHome().env, PATH: `${bin}:${process.env.PATH ?? ''}` } },
  );
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter(Boolean);
}

describe('llm-service completion', () => {
  it('bash: completes commands, options, and agent names and task types from the config', async () => {
    const config = join(temporaryDir('completion'), 'config');
    expect((await runCli(['init', '--template', 'development', '--dir', config])).code).toBe(0);
    const script = (await runCli(['completion', 'bash'])).stdout.toString();
    const cwd = temporaryDir('cwd');
    expect(completeInBash(script, ['llm-service', 'ex'], cwd)).toEqual(['exec']);
    expect(completeInBash(script, ['llm-service', 'config', 's'], cwd)).toEqual(['show', 'schema']);
    expect(completeInBash(script, ['llm-service', 'exec', '--dry'], cwd)).toEqual(['--dry-run']);
    expect(
      completeInBash(script, ['llm-service', 'exec', '--config-dir', config, '--agent', ''], cwd),
    ).toEqual(['planner', 'architect', 'backend-dev', 'frontend-dev', 'reviewer', 'tester', 'writer']);
    expect(
      completeInBash(
        script,
        ['llm-service', 'exec', '--config-dir', config, '-a', 'backend-dev', '--task-type', ''],
        cwd,
      ),
    ).toEqual(['quick', 'tests']);
    expect(completeInBash(script, ['llm-service', 'init', '--template', 'c'], cwd)).toEqual([
      'claude-only',
      'cost-optimized',
    ]);
    expect(completeInBash(script, ['llm-service', 'completion', ''], cwd)).toEqual(
      expect.arrayContaining(['bash', 'zsh', 'fish']),
    );
    // Fixed values of options, whether core's or a plugin's (stats is the telemetry plugin's command).
    expect(completeInBash(script, ['llm-service', 'stats', '--by', ''], cwd)).toEqual([
      'agent',
      'model',
      'tool',
      'task-type',
      'project',
      'task',
    ]);
    expect(completeInBash(script, ['llm-service', 'plugins', 'new', 'x', '--kind', 'p'], cwd)).toEqual([
      'policy',
    ]);
  });

  it('zsh and fish scripts are printed, use the hidden __complete command, and complete agents', async () => {
    for (const shell of ['zsh', 'fish']) {
      const run = await runCli(['completion', shell]);
      expect(run.code).toBe(0);
      expect(run.stdout.toString()).toContain('llm-service __complete agents');
    }
    expect((await runCli(['completion', 'zsh'])).stdout.toString()).toMatch(/^#compdef llm-service/);
    expect((await runCli(['completion', 'fish'])).stdout.toString()).toContain('complete -c llm-service');
    expect((await runCli(['completion', 'fish'])).stdout.toString()).toContain(
      "complete -c llm-service -l by -x -a 'agent model tool task-type project task'",
    );
    expect((await runCli(['completion', 'zsh'])).stdout.toString()).toContain(
      "--kind) compadd -- 'adapter' 'policy' 'sink' 'command'; return ;;",
    );
  });

  it('refuses an unknown shell with a usage error, and hides __complete from --help', async () => {
    const run = await runCli(['completion', 'powershell']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("no completion for shell 'powershell'");
    expect((await runCli(['--help'])).stdout.toString()).not.toContain('__complete');
  });

  it('__complete prints nothing and exits 0 when there is no config', async () => {
    const run = await runCli(['__complete', 'agents', '--config-dir', join(temporaryDir('none'), 'x')]);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toBe('');
    expect(run.stderr).toBe('');
  });
});
