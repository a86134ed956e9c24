import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkContextFile, readContextFile } from './context-files.js';
import { FileTaskStore } from './task-store.js';

let outside: string;
let project: string;

beforeEach(() => {
  outside = realpathSync(mkdtempSync(join(tmpdir(), 'llm-service-context-')));
  project = join(outside, 'project');
  mkdirSync(join(project, 'docs'), { recursive: true });
  writeFileSync(join(project, 'docs/api.md'), 'the API');
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'secret.txt'), join(project, 'docs/secret-link.md'));
  symlinkSync(outside, join(project, 'up'));
  symlinkSync(join(project, 'docs/api.md'), join(project, 'api-link.md'));
  symlinkSync(join(project, 'missing.md'), join(project, 'dangling.md'));
});
afterEach(() => rmSync(outside, { recursive: true, force: true }));

describe('context.files', () => {
  it.each([
    ['docs/api.md', undefined],
    ['./docs/../docs/api.md', undefined],
    ['api-link.md', undefined],
    ['/etc/passwd', "fatal: '/etc/passwd' is absolute"],
    ['C:\\Windows\\win.ini', "fatal: 'C:\\Windows\\win.ini' is absolute"],
    ['../secret.txt', "fatal: '../secret.txt' leads out of the project"],
    ['docs/../../secret.txt', "fatal: 'docs/../../secret.txt' leads out of the project"],
    [
      'docs/secret-link.md',
      "fatal: 'docs/secret-link.md' resolves to OUTSIDE/secret.txt, outside the project (a link)",
    ],
    ['up/secret.txt', "fatal: 'up/secret.txt' resolves to OUTSIDE/secret.txt, outside the project (a link)"],
    ['up/not-there.md', "fatal: 'up/not-there.md' goes through a link to OUTSIDE, outside the project"],
    ['dangling.md', "fatal: 'dangling.md' is a link to a file that does not exist"],
    ['docs/later.md', "warning: 'docs/later.md' does not exist in the project"],
    ['docs', "warning: 'docs' is not a regular file"],
  ])('%s', async (file, expected) => {
    const problem = await checkContextFile(project, file);
    expect(problem && `${problem.severity}: ${problem.message.replaceAll(outside, 'OUTSIDE')}`).toBe(
      expected,
    );
  });

  it('reads a file inside the project, and refuses one a link takes outside at the moment of reading', async () => {
    expect((await readContextFile(project, 'api-link.md')).toString()).toBe('the API');
    await expect(readContextFile(project, 'docs/secret-link.md')).rejects.toMatchObject({
      code: 'E_TASK_CONTEXT',
      exitCode: 2,
    });
  });

  it('makes a task whose context leaves the project a problem of list, never a task', async () => {
    const workDir = join(project, 'work');
    mkdirSync(join(workDir, 'inbox'), { recursive: true });
    const task = (files: string) =>
      `id: t\nagent: writer\nstatus: new\ntitle: T\ncreated_at: 2026-12-01T09:00:00Z\ncontext:\n  files: ${files}\n`;
    writeFileSync(join(workDir, 'inbox/t.yaml'), task('[docs/api.md, up/secret.txt]'));
    const listing = await new FileTaskStore({ workDir, projectDir: project }).list();
    expect(listing.tasks).toEqual([]);
    expect(listing.problems.map((problem) => problem.message.replaceAll(outside, 'OUTSIDE'))).toEqual([
      "inbox/t.yaml:7:24: context.files[1]: 'up/secret.txt' resolves to OUTSIDE/secret.txt, outside the project (a link); name a file inside the project, not a link out of it",
    ]);
  });
});
