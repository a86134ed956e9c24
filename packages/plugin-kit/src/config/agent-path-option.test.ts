import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '@llm-service/spec';
import { agentPathOptionProblems, pathProblem } from './agent-path-option.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-path-'));
mkdirSync(join(dir, 'work'));
writeFileSync(join(dir, 'prompt.md'), 'hello');

describe('pathProblem', () => {
  it('says what is wrong with a path, or nothing', () => {
    expect(pathProblem(join(dir, 'work'), 'directory')).toBeUndefined();
    expect(pathProblem(join(dir, 'prompt.md'), 'directory')).toBe('is not a directory');
    expect(pathProblem(join(dir, 'work'), 'file')).toBe('is not a file');
    expect(pathProblem(join(dir, 'nope'), 'file')).toBe('does not exist');
    expect(
      pathProblem(join(dir, 'prompt.md'), 'file', (stats) => (stats.size > 2 ? 'too big' : undefined)),
    ).toBe('too big');
  });
});

describe('agentPathOptionProblems', () => {
  it("reports an agent option's path that is not there, at the option", () => {
    const config = {
      dir,
      agents: {
        good: { adapter_options: { fake: { working_directory: 'work' } } },
        bad: { adapter_options: { fake: { working_directory: 'missing' } } },
        none: { adapter_options: {} },
      },
    } as unknown as ResolvedConfig;
    const problems = agentPathOptionProblems(config, 'fake', 'working_directory', (path) =>
      pathProblem(path, 'directory'),
    );
    expect(problems).toEqual([
      {
        file: 'agents.yaml',
        path: ['agents', 'bad', 'adapter_options', 'fake', 'working_directory'],
        message: `working_directory 'missing' (${join(dir, 'missing')}) does not exist`,
        suggestion: 'paths are relative to the config directory',
      },
    ]);
  });
});
