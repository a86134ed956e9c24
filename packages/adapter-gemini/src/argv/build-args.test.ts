import { describe, expect, it } from 'vitest';
import { geminiAgentOptionsSchema } from '../config/gemini-schema.js';
import { baseFlags, buildArgs } from './build-args.js';

describe('the gemini argument vector', () => {
  it('always runs headless with stream-json, trusting the folder for this run, and the model; never the prompt', () => {
    expect(buildArgs({ model: 'gemini-2.5-pro', configDir: '/config', options: {} })).toEqual([
      '--output-format',
      'stream-json',
      '--skip-trust',
      '--model',
      'gemini-2.5-pro',
    ]);
    expect(baseFlags).not.toContain('-p');
  });

  it('passes each agent option as its flag, one value per flag, directories resolved from the config directory', () => {
    const options = geminiAgentOptionsSchema.parse({
      approval_mode: 'auto_edit',
      sandbox: false,
      include_directories: ['../shared', '/abs/dir'],
      extensions: ['a,b', 'c'],
      allowed_mcp_server_names: ['github'],
      policy_files: ['policies/team.toml'],
    });
    expect(buildArgs({ model: 'm', configDir: '/work/config', options }).slice(baseFlags.length + 2)).toEqual(
      [
        '--approval-mode',
        'auto_edit',
        '--sandbox=false',
        '--include-directories',
        '/work/shared',
        '--include-directories',
        '/abs/dir',
        '--extensions',
        'a,b',
        '--extensions',
        'c',
        '--allowed-mcp-server-names',
        'github',
        '--policy',
        '/work/config/policies/team.toml',
      ],
    );
    expect(buildArgs({ model: 'm', configDir: '/c', options: { sandbox: true } })).toContain(
      '--sandbox=true',
    );
  });
});
