import { describe, expect, it } from 'vitest';
import { approvalModes } from '../src/config/gemini-schema.js';
import { buildArgs } from '../src/argv/build-args.js';
import { helpChoices, helpFlags, helpText, skipReason } from './support/real-gemini.js';

describe.skipIf(skipReason !== undefined)(
  'the flags the adapter passes, against the pinned gemini’s --help',
  () => {
    const help = skipReason === undefined ? helpText() : '';

    it('takes every flag the adapter can pass', () => {
      const args = buildArgs({
        model: 'gemini-2.5-flash',
        configDir: '/config',
        options: {
          approval_mode: 'yolo',
          sandbox: true,
          include_directories: ['a'],
          extensions: ['e'],
          allowed_mcp_server_names: ['s'],
          policy_files: ['p.toml'],
        },
      });
      const flags = helpFlags(help);
      const passed = args.filter((arg) => arg.startsWith('-')).map((arg) => arg.split('=')[0]!);
      expect(passed.length).toBeGreaterThan(5);
      for (const flag of passed) expect(flags, flag).toContain(flag);
    });

    it('lists exactly the approval modes the schema accepts', () => {
      expect(helpChoices(help, '--approval-mode')).toEqual([...approvalModes]);
      expect(helpChoices(help, '--output-format')).toContain('stream-json');
    });

    it('reads a prompt from stdin in headless mode, so none goes on the command line', () => {
      expect(help).toMatch(/-p, --prompt\s+Run in non-interactive \(headless\) mode/);
      expect(help).toContain('Appended to input on stdin');
      expect(buildArgs({ model: 'm', configDir: '/c', options: {} })).not.toContain('-p');
    });
  },
);
