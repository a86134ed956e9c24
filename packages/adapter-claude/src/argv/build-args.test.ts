import { describe, expect, it } from 'vitest';
import { baseFlags, buildArgs, formatUsd } from './build-args.js';

const base = {
  model: 'claude-sonnet-4-5',
  options: {},
  appendSystemPrompt: undefined,
  configDir: '/cfg',
  maxBudgetUsd: undefined,
};

describe('the claude argument vector', () => {
  it('is print mode with streamed JSON events and the model, and never the prompt', () => {
    expect(buildArgs(base)).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--include-partial-messages',
      '--model',
      'claude-sonnet-4-5',
    ]);
    expect(buildArgs(base).slice(0, baseFlags.length)).toEqual([...baseFlags]);
  });

  it('maps every agent option to its flag, one value after each flag of a list', () => {
    const args = buildArgs({
      ...base,
      options: {
        allowed_tools: ['Read', 'Bash(git diff *)'],
        permission_mode: 'acceptEdits',
        add_dirs: ['../shared', '/abs/dir'],
      },
      appendSystemPrompt: '- Be brief.\n- Cite files.',
      maxBudgetUsd: 0.25,
    });
    expect(args.slice(7)).toEqual([
      '--append-system-prompt',
      '- Be brief.\n- Cite files.',
      '--allowed-tools',
      'Read',
      '--allowed-tools',
      'Bash(git diff *)',
      '--permission-mode',
      'acceptEdits',
      '--add-dir',
      '/shared',
      '--add-dir',
      '/abs/dir',
      '--max-budget-usd',
      '0.25',
    ]);
  });

  it('leaves out an empty system prompt', () => {
    expect(buildArgs({ ...base, appendSystemPrompt: '' })).not.toContain('--append-system-prompt');
  });

  it('writes dollar amounts without exponents', () => {
    expect(formatUsd(0.25)).toBe('0.25');
    expect(formatUsd(12)).toBe('12');
    expect(formatUsd(1e-7)).toBe('0.0000001');
  });
});
