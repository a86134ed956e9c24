import { spawnSync } from 'node:child_process';
import { pinnedCodexVersion } from '@llm-service/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTemporaryDirectories, temporaryDirectory } from '@llm-service/testkit/testing';
import { baseFlags, buildArgs, promptFromStdin } from '../src/argv/build-args.js';
import { sandboxModes } from '../src/config/codex-schema.js';
import { parseVersion } from '../src/adapter/detect-codex.js';
import { codexBinary, execHelp, skipReason } from './support/real-codex.js';

afterAll(removeTemporaryDirectories);

/** Every long flag `codex exec --help` lists. */
function helpFlags(help: string): Set<string> {
  return new Set([...help.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((match) => match[1]!));
}

describe.skipIf(skipReason !== undefined)('the flags the adapter passes, against the installed codex', () => {
  it('is the pinned release', () => {
    const version = spawnSync(codexBinary, ['--version'], { encoding: 'utf8' }).stdout;
    expect(parseVersion(version)).toBe(pinnedCodexVersion);
  });

  it('takes every flag the adapter can pass, and reads the prompt from stdin with `-`', () => {
    const help = execHelp();
    const flags = helpFlags(help);
    const all = buildArgs({
      model: 'm',
      configDir: '/cfg',
      options: {
        sandbox: 'read-only',
        profile: 'p',
        working_directory: 'w',
        add_dirs: ['d'],
        config: { a: 1 },
      },
    });
    const passed = [
      ...all,
      ...buildArgs({ model: 'm', configDir: '/cfg', options: { approval_policy: 'auto-review' } }),
      ...buildArgs({
        model: 'm',
        configDir: '/cfg',
        options: { dangerously_bypass_approvals_and_sandbox: true },
      }),
    ].filter((arg) => arg.startsWith('--'));
    for (const flag of passed) expect(flags, flag).toContain(flag);
    expect(baseFlags[0]).toBe('exec');
    expect(help.replace(/\s+/g, ' ')).toContain(
      'If not provided as an argument (or if `-` is used), instructions are read from stdin',
    );
    expect(all.at(-1)).toBe(promptFromStdin);
  });

  it('lists exactly the sandbox modes the schema takes', () => {
    const block = /--sandbox <SANDBOX_MODE>[\s\S]*?\[possible values: ([^\]]+)\]/.exec(execHelp());
    expect(block?.[1]?.split(', ')).toEqual([...sandboxModes]);
  });

  it('refuses --sandbox beside --approve-for-me, as the schema does', () => {
    const home = temporaryDirectory('codex-help-');
    const result = spawnSync(
      codexBinary,
      ['exec', '--approve-for-me', '--sandbox', 'read-only', '--skip-git-repo-check', '-'],
      { encoding: 'utf8', input: '', env: { PATH: process.env.PATH ?? '', HOME: home, CODEX_HOME: home } },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /the argument '--approve-for-me' cannot be used with '--sandbox <SANDBOX_MODE>'/,
    );
  });
});
