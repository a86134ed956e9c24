import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTaskStore } from '../store/task-store.js';

let root: string;
let workDir: string;
const write = (key: string, text: string) => {
  mkdirSync(dirname(join(workDir, key)), { recursive: true });
  writeFileSync(join(workDir, key), text);
};
const read = (key: string) => readFileSync(join(workDir, key), 'utf8');

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llm-service-migrate-'));
  workDir = join(root, 'work');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('migrate', () => {
  it('rewrites the old shape in the current one, keeping comments and unknown keys, and is idempotent', async () => {
    write(
      'done/writer/release-notes.yaml',
      [
        '# Finished last week.',
        'id: T-100',
        'agent: writer',
        'status: done',
        'title: Draft the release notes',
        'priority: low',
        'created: 2026-11-28 14:00 # when it was filed',
        'updated: 2026-11-29T17:10:00+01:00',
        'reviewer: sam # our own key',
        '# The outcome.',
        'result: Release notes drafted in docs/releases/0.1.md.',
        '',
      ].join('\n'),
    );
    write(
      'assigned/writer/failed.yaml',
      'id: failed\nagent: writer\nstatus: blocked\ntitle: T\ncreated_at: 2026-11-28T14:00:00Z\nerror: no access\n',
    );
    write(
      'inbox/fine.yaml',
      'id: fine\nagent: writer\nstatus: new\ntitle: T\ncreated_at: 2026-11-28T14:00:00Z\n',
    );
    write('inbox/broken.yaml', 'id: [\n');
    const store = new FileTaskStore({ workDir, projectDir: root });
    const dry = await store.migrate({ dryRun: true });
    expect(dry.migrated.map((file) => file.path)).toEqual([
      'assigned/writer/failed.yaml',
      'done/writer/release-notes.yaml',
    ]);
    expect(read('done/writer/release-notes.yaml')).toContain('id: T-100');

    const report = await store.migrate();
    expect(report.migrated).toEqual([
      { path: 'assigned/writer/failed.yaml', changes: ['error: text → error.message'] },
      {
        path: 'done/writer/release-notes.yaml',
        changes: [
          'id: T-100 → release-notes',
          'created → created_at',
          'updated → completed_at',
          'created_at: 2026-11-28 14:00 → 2026-11-28T14:00:00Z',
          'completed_at: 2026-11-29T17:10:00+01:00 → 2026-11-29T16:10:00Z',
          'result: text → result.summary',
        ],
      },
    ]);
    expect(report.unchanged).toBe(2);
    expect(report.issues.map((issue) => `${issue.path}: ${issue.field}`)).toEqual([
      'inbox/broken.yaml: yaml',
    ]);
    expect(read('done/writer/release-notes.yaml')).toBe(
      [
        '# Finished last week.',
        'id: release-notes # was T-100',
        'agent: writer',
        'status: done',
        'title: Draft the release notes',
        'priority: low',
        'created_at: 2026-11-28T14:00:00Z # when it was filed',
        'completed_at: 2026-11-29T16:10:00Z',
        'reviewer: sam # our own key',
        '# The outcome.',
        'result:',
        '  summary: Release notes drafted in docs/releases/0.1.md.',
        '',
      ].join('\n'),
    );
    expect(read('assigned/writer/failed.yaml')).toContain(
      'error:\n  message: no access\n  kind: unknown\n  at: 2026-11-28T14:00:00Z\n',
    );
    expect(read('inbox/broken.yaml')).toBe('id: [\n');
    const task = await store.get('release-notes');
    expect(task?.warnings).toEqual([]);
    expect((await store.migrate()).migrated).toEqual([]);
  });
});
