import { pinnedClaudeVersion } from '@llm-service/testkit';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildArgs } from '../src/argv/build-args.js';
import { permissionModes } from '../src/config/claude-schema.js';
import { claudeBinary, helpChoices, helpFlags, skipReason } from './support/real-claude.js';

describe.skipIf(skipReason !== undefined)('the flags the adapter emits, against the installed claude', () => {
  it('runs the pinned version', () => {
    expect(execFileSync(claudeBinary, ['--version'], { encoding: 'utf8' }).trim()).toBe(
      `${pinnedClaudeVersion} (Claude Code)`,
    );
  });

  it('emits only flags that `claude --help` lists', () => {
    const args = buildArgs({
      model: 'claude-sonnet-4-5',
      options: {
        allowed_tools: ['Read'],
        permission_mode: 'plan',
        add_dirs: ['shared'],
      },
      appendSystemPrompt: 'Be brief.',
      configDir: '/cfg',
      maxBudgetUsd: 1,
    });
    const emitted = args.filter((arg) => arg.startsWith('-') && !arg.includes(' '));
    // Every option kind is in the sample above, so a new flag in buildArgs cannot slip past this list.
    expect(emitted).toEqual([
      '-p',
      '--output-format',
      '--verbose',
      '--include-partial-messages',
      '--model',
      '--append-system-prompt',
      '--allowed-tools',
      '--permission-mode',
      '--add-dir',
      '--max-budget-usd',
    ]);
    const listed = helpFlags();
    expect(emitted.filter((flag) => !listed.has(flag))).toEqual([]);
  });

  it('offers stream-json output, and every permission mode the schema accepts but the legacy `default`', () => {
    expect(helpChoices('--output-format')).toContain('stream-json');
    const modes = helpChoices('--permission-mode');
    expect(modes.length).toBeGreaterThan(0);
    expect(permissionModes.filter((mode) => mode !== 'default' && !modes.includes(mode))).toEqual([]);
  });
});
