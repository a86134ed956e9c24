import { describe, expect, it } from 'vitest';
import { codexAgentOptionsSchema } from '../config/codex-schema.js';
import { baseFlags, buildArgs, tomlValue } from './build-args.js';

const base = { model: 'gpt-5.5', options: {}, configDir: '/cfg' };

describe('the codex argument vector', () => {
  it('is exec with JSON events and the model, reading the prompt from stdin, never taking it as an argument', () => {
    expect(buildArgs(base)).toEqual(['exec', '--json', '--skip-git-repo-check', '--model', 'gpt-5.5', '-']);
    expect(buildArgs(base).slice(0, baseFlags.length)).toEqual([...baseFlags]);
  });

  it('maps every agent option to its flag, one value after each flag, paths from the config directory', () => {
    const options = codexAgentOptionsSchema.parse({
      sandbox: 'workspace-write',
      profile: 'careful',
      working_directory: 'services/api',
      add_dirs: ['../shared', '/abs/dir'],
      config: { model_reasoning_effort: 'high', 'sandbox_workspace_write.network_access': true, retries: 3 },
    });
    expect(buildArgs({ ...base, options }).slice(5)).toEqual([
      '--sandbox',
      'workspace-write',
      '--profile',
      'careful',
      '--cd',
      '/cfg/services/api',
      '--add-dir',
      '/shared',
      '--add-dir',
      '/abs/dir',
      '--config',
      'model_reasoning_effort="high"',
      '--config',
      'sandbox_workspace_write.network_access=true',
      '--config',
      'retries=3',
      '-',
    ]);
  });

  it('passes auto-review and the bypass as their flags, and never (codex exec’s default) as nothing', () => {
    expect(buildArgs({ ...base, options: { approval_policy: 'auto-review' } })).toContain('--approve-for-me');
    expect(buildArgs({ ...base, options: { approval_policy: 'never' } })).toEqual(buildArgs(base));
    expect(buildArgs({ ...base, options: { dangerously_bypass_approvals_and_sandbox: true } })).toContain(
      '--dangerously-bypass-approvals-and-sandbox',
    );
  });

  it('writes config values as TOML', () => {
    expect(tomlValue('say "hi"\n')).toBe('"say \\"hi\\"\\n"');
    expect(tomlValue(['a', 1, false])).toBe('["a", 1, false]');
    expect(tomlValue(0.5)).toBe('0.5');
  });
});
