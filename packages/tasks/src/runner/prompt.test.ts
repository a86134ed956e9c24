import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { task } from './test-support.js';
import {
  buildTaskPrompt,
  checkContextPath,
  checkTemplate,
  MAX_CONTEXT_FILE_BYTES,
  promptBytes,
  readContext,
} from './prompt.js';

describe('context paths', () => {
  let outside: string;
  let project: string;
  beforeEach(() => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'tasks-prompt-')));
    outside = join(root, 'home');
    project = join(root, 'project');
    mkdirSync(join(outside, '.ssh'), { recursive: true });
    writeFileSync(join(outside, '.ssh/id_ed25519'), 'PRIVATE KEY');
    mkdirSync(join(project, 'docs'), { recursive: true });
    writeFileSync(join(project, 'docs/api.md'), '# API\n');
    writeFileSync(join(project, 'notes.txt'), 'notes');
  });
  const read = (...paths: string[]) =>
    readContext(
      project,
      paths.map((path) => ({ path, from: 'context.files' })),
    );

  it('reads files of the project as named context blocks, once each', async () => {
    symlinkSync('docs/api.md', join(project, 'api-link.md'));
    const result = await read('docs/api.md', './notes.txt', 'docs/../docs/api.md', 'api-link.md');
    expect(result).toEqual({
      ok: true,
      files: [
        { name: 'docs/api.md', content: new Uint8Array(Buffer.from('# API\n')) },
        { name: 'notes.txt', content: new Uint8Array(Buffer.from('notes')) },
      ],
      warnings: [],
    });
  });

  it('refuses absolute paths, .. leading out, home paths and links out of the project', async () => {
    symlinkSync(join(outside, '.ssh'), join(project, 'keys'));
    symlinkSync(join(outside, '.ssh/id_ed25519'), join(project, 'docs/key.md'));
    const refusals = await Promise.all(
      [
        join(outside, '.ssh/id_ed25519'),
        '../home/.ssh/id_ed25519',
        'docs/../../home/.ssh/id_ed25519',
        '~/.ssh/id_ed25519',
        'keys/id_ed25519',
        'docs/key.md',
      ].map(async (path) => (await read(path)) as { ok: false; message: string }),
    );
    expect(refusals.map((refusal) => refusal.ok)).toEqual([false, false, false, false, false, false]);
    expect(refusals.map((refusal) => refusal.message)).toEqual([
      `context.files: '${join(outside, '.ssh/id_ed25519')}' is absolute; name it relative to the project`,
      "context.files: '../home/.ssh/id_ed25519' leads out of the project (..); name a file inside it",
      "context.files: 'docs/../../home/.ssh/id_ed25519' leads out of the project (..); name a file inside it",
      "context.files: '~/.ssh/id_ed25519' names a home directory; name a file of the project",
      `context.files: 'keys/id_ed25519' is a link that leads out of the project (to ${join(outside, '.ssh/id_ed25519')})`,
      `context.files: 'docs/key.md' is a link that leads out of the project (to ${join(outside, '.ssh/id_ed25519')})`,
    ]);
  });

  it('refuses what is not a regular file, a missing file and too much; skips a missing optional one', async () => {
    writeFileSync(join(project, 'big.bin'), Buffer.alloc(MAX_CONTEXT_FILE_BYTES + 1));
    expect(await read('docs')).toMatchObject({
      ok: false,
      message: "context.files: 'docs' is not a regular file",
    });
    expect(await read('docs/')).toMatchObject({
      ok: false,
      message: expect.stringContaining('is a directory'),
    });
    expect(await read('gone.md')).toMatchObject({
      ok: false,
      message: expect.stringContaining('does not exist'),
    });
    expect(await read('big.bin')).toMatchObject({
      ok: false,
      message: expect.stringContaining('at most 1024 KiB'),
    });
    expect(
      await readContext(project, [{ path: 'gone.md', from: 'the artefacts of t1', optional: true }]),
    ).toEqual({
      ok: true,
      files: [],
      warnings: ["the artefacts of t1: 'gone.md' does not exist; left out of the prompt"],
    });
  });

  it('checks a path before anything is read', () => {
    expect(checkContextPath('a/./b/../c.md')).toEqual({ ok: true, path: 'a/c.md' });
    expect(checkContextPath('C:\\Users\\me\\.ssh\\id_rsa')).toMatchObject({ ok: false });
    expect(checkContextPath('..\\secret')).toMatchObject({ ok: false });
    expect(checkContextPath('a\0b')).toMatchObject({ ok: false, why: 'contains a NUL byte' });
    expect(checkContextPath(' ')).toMatchObject({ ok: false, why: 'is empty' });
  });
});

describe('the prompt', () => {
  const planned = task('t2', {
    agent: 'architect',
    title: 'Design the export API',
    description: 'Design it.\n',
    acceptanceCriteria: ['a diagram', 'an OpenAPI file'],
    context: { notes: 'Mind the limits.', files: ['docs/plan.md'] },
    dependsOn: ['t1'],
  });
  const input = {
    task: planned,
    dependencies: [
      {
        id: 't1',
        agent: 'planner',
        title: 'Plan it',
        summary: 'Planned in three steps',
        artefacts: ['docs/plan.md'],
      },
    ],
    contextNames: ['docs/plan.md'],
    agents: ['planner', 'architect', 'backend-dev'],
  };

  it('lists title, description, criteria, notes, context and the work it builds on, then asks for the block', () => {
    const prompt = buildTaskPrompt(input);
    expect(prompt).toBe(
      [
        '# Task t2: Design the export API',
        '',
        'Design it.',
        '',
        '## Acceptance criteria',
        '',
        '- a diagram',
        '- an OpenAPI file',
        '',
        '## Notes',
        '',
        'Mind the limits.',
        '',
        '## Context',
        '',
        'The files above are given as context blocks:',
        '',
        '- docs/plan.md',
        '',
        '## Work this task builds on',
        '',
        '- t1 (planner): Plan it',
        '  Planned in three steps',
        '  artefacts: docs/plan.md',
        '',
        '## When you finish',
        '',
        'End your answer with a fenced YAML block that says what you did and who continues:',
        '',
        '```yaml',
        'summary: one or two sentences on what you did',
        'artefacts: [paths of the files you created or changed, relative to the project]',
        'next_agent: the agent that should continue (one of: planner, architect, backend-dev), or none',
        "next_task_title: the follow-up task's title",
        'next_task_notes: what that agent needs to know',
        '```',
        '',
      ].join('\n'),
    );
    const bare = buildTaskPrompt({
      ...input,
      task: task('t3', { title: 'Only a title' }),
      dependencies: [],
      contextNames: [],
    });
    expect(bare.split('\n## ').map((section) => section.split('\n')[0])).toEqual([
      '# Task t3: Only a title',
      'When you finish',
    ]);
  });

  it("fills an agent's template, and refuses unknown placeholders with their position", () => {
    expect(buildTaskPrompt(input, '{{title}} for {{ agent }}:\n{{acceptance_criteria}}\n')).toBe(
      'Design the export API for architect:\n- a diagram\n- an OpenAPI file\n',
    );
    expect(checkTemplate('Hello {{title}}\n{{titel}} and {{ owner }}', '/c/t.md')).toEqual([
      expect.stringMatching(
        /^\/c\/t\.md:2:1: unknown placeholder \{\{titel\}\}; use one of \{\{id\}\}, \{\{title\}\}/,
      ),
      expect.stringMatching(/^\/c\/t\.md:2:15: unknown placeholder \{\{owner\}\}/),
    ]);
  });

  it('counts the size the kernel will send, context blocks included', () => {
    const content = new Uint8Array(Buffer.from('abc'));
    // '<context file="a&#38;b">\n' (25) + 3 + '\n</context>\n\n' (13) + the prompt (5).
    expect(promptBytes('hello', [{ name: 'a&b', content }])).toBe(25 + 3 + 13 + 5);
  });
});
