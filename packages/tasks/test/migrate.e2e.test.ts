/** `tasks migrate` through the built binary, on task files in the shape the quick-start shipped before this plugin. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, writeAt, writeProject } from './support.js';

/** The quick-start's task files as they were (examples/quick-start/work/collaboration before the tasks plugin). */
const oldShape: Record<string, string> = {
  'done/writer/release-notes.yaml': [
    'id: T-100',
    'agent: writer',
    'status: done',
    'title: Draft the release notes',
    'priority: low',
    'created: 2026-11-28T14:00:00Z',
    'updated: 2026-11-29T16:10:00Z',
    'result: Release notes drafted in docs/releases/0.1.md.',
    '',
  ].join('\n'),
  'inbox/design-cache.yaml': [
    '# A task waiting for an agent. The dashboard shows it in the Inbox column.',
    'id: T-101',
    'status: new',
    'title: Design a cache for the pricing service',
    'priority: high',
    'created: 2026-11-30T09:00:00Z',
    'description: |',
    '  The pricing service answers **2,000 requests a second** and most are repeats.',
    '',
    '  - propose what to cache and for how long',
    '  - say how entries are invalidated when `models.yaml` changes',
    '',
  ].join('\n'),
  'assigned/architect/review-api.yaml': [
    'id: T-102',
    'agent: architect',
    'status: in_progress',
    "title: Review the budget endpoint's API",
    'priority: medium',
    'created: 2026-11-30T10:00:00Z',
    'updated: 2026-12-01T08:30:00Z',
    'owner: platform-team # a key of our own',
    'description: Check `GET /budget` against the conventions of the other endpoints.',
    '',
  ].join('\n'),
};

describe('tasks migrate', () => {
  it('reads the old shape with warnings, rewrites it keeping comments and unknown keys, and says what is left', async () => {
    const env = isolatedEnv();
    const { root, configDir } = writeProject();
    const workDir = join(configDir, 'work/collaboration');
    for (const [key, text] of Object.entries(oldShape)) writeAt(workDir, key, text);
    const tasks = (...args: string[]) =>
      runCli(['tasks', ...args, '--config-dir', configDir], { cwd: root, env });

    const listed = await tasks('list', '--json');
    const before = JSON.parse(listed.stdout) as {
      tasks: { id: string; warnings: string[] }[];
      problems: unknown[];
    };
    expect(before.tasks.map((task) => task.id).sort()).toEqual(['release-notes', 'review-api']);
    expect(before.tasks.find((task) => task.id === 'release-notes')?.warnings).toEqual([
      "done/writer/release-notes.yaml:1:5: id: 'T-100' is not the file's name 'release-notes'; run `llm-service tasks migrate` (or set id: release-notes)",
      'done/writer/release-notes.yaml:6:1: warning: created: the old name of created_at; run `llm-service tasks migrate` to rewrite the file in the current shape',
      'done/writer/release-notes.yaml:7:1: warning: updated: the old name of completed_at (for a task that is done); run `llm-service tasks migrate` to rewrite the file in the current shape',
      'done/writer/release-notes.yaml:8:9: warning: result: text, the old shape of result (now a map); run `llm-service tasks migrate` to rewrite the file in the current shape',
    ]);
    // design-cache names no agent: it cannot be read as a task until someone says whose it is.
    expect(before.problems).toHaveLength(1);

    const dry = await tasks('migrate', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would migrate done/writer/release-notes.yaml: id: T-100 → release-notes;');
    expect(readFileSync(join(workDir, 'done/writer/release-notes.yaml'), 'utf8')).toBe(
      oldShape['done/writer/release-notes.yaml'],
    );

    const migrated = await tasks('migrate', '--json');
    expect(migrated.code).toBe(0);
    expect(JSON.parse(migrated.stdout)).toEqual({
      workDir,
      dryRun: false,
      migrated: [
        {
          path: 'assigned/architect/review-api.yaml',
          changes: ['id: T-102 → review-api', 'created → created_at', 'updated → started_at'],
        },
        {
          path: 'done/writer/release-notes.yaml',
          changes: [
            'id: T-100 → release-notes',
            'created → created_at',
            'updated → completed_at',
            'result: text → result.summary',
          ],
        },
        { path: 'inbox/design-cache.yaml', changes: ['id: T-101 → design-cache', 'created → created_at'] },
      ],
      unchanged: 0,
      problems: [
        expect.objectContaining({
          path: 'inbox/design-cache.yaml',
          field: 'agent',
          text: 'inbox/design-cache.yaml:2:1: agent: missing; add agent: <one of writer, architect, reviewer>',
        }),
      ],
    });
    expect(readFileSync(join(workDir, 'assigned/architect/review-api.yaml'), 'utf8')).toBe(
      [
        'id: review-api # was T-102',
        'agent: architect',
        'status: in_progress',
        "title: Review the budget endpoint's API",
        'priority: medium',
        'created_at: 2026-11-30T10:00:00Z',
        'started_at: 2026-12-01T08:30:00Z',
        'owner: platform-team # a key of our own',
        'description: Check `GET /budget` against the conventions of the other endpoints.',
        '',
      ].join('\n'),
    );
    expect(readFileSync(join(workDir, 'inbox/design-cache.yaml'), 'utf8')).toMatch(
      /^# A task waiting for an agent\. The dashboard shows it in the Inbox column\.\nid: design-cache # was T-101\n/,
    );

    const again = await tasks('migrate');
    expect(again.stdout).toContain('0 migrated, 3 unchanged');
    const validated = await tasks('validate');
    expect(validated.code).toBe(2);
    expect(validated.stdout.trimEnd().split('\n')).toEqual([
      'config/work/collaboration/inbox/design-cache.yaml:2:1: agent: missing; add agent: <one of writer, architect, reviewer>',
      `3 task files in ${workDir}: 1 error, 0 warnings`,
    ]);
  });
});
