import { describe, expect, it } from 'vitest';
import { locate } from './layout.js';
import { parseTaskFile } from './parse-task-file.js';

const parse = (key: string, text: string, agents?: readonly string[]) =>
  parseTaskFile(locate(key)!, Buffer.from(text), agents ? { agents } : {});

const full = `# Written by the planner.
id: 2026-12-01T0930-writer-notes
agent: writer
status: done
title: Draft the release notes
priority: high
task_type: docs
description: |
  Say what changed.
acceptance_criteria: [every change is listed]
context:
  notes: the last release was 0.1
  files: [docs/releases/0.1.md]
depends_on: [2026-11-30T0900-architect-design]
created_at: 2026-12-01T09:30:00Z
assigned_at: 2026-12-01T09:31:00Z
started_at: 2026-12-01T09:32:00Z
completed_at: 2026-12-01T09:40:00Z
result:
  summary: drafted
  artefacts: [docs/releases/0.2.md]
  next_agent: reviewer
  next_task_title: Review the notes
  tool: stand-in
  model: stand-in-small
  attempts: 2
  tokens: { input: 1200, output: 300, cache_read: 10, cache_write: 0 }
  cost_usd: 0.012
  chain_id: chain-1
  answer: answers/2026-12-01T0930-writer-notes.md
team_field: kept
`;

describe('parseTaskFile', () => {
  it('maps every snake_case key to its TaskV1 field, the id from the file name', () => {
    const parsed = parse('done/writer/2026-12-01T0930-writer-notes.yaml', full, ['writer', 'reviewer']);
    expect(parsed.issues).toEqual([]);
    expect(parsed.task).toEqual({
      id: '2026-12-01T0930-writer-notes',
      agent: 'writer',
      status: 'done',
      title: 'Draft the release notes',
      priority: 'high',
      taskType: 'docs',
      description: 'Say what changed.\n',
      acceptanceCriteria: ['every change is listed'],
      context: { notes: 'the last release was 0.1', files: ['docs/releases/0.1.md'] },
      dependsOn: ['2026-11-30T0900-architect-design'],
      createdAt: '2026-12-01T09:30:00Z',
      assignedAt: '2026-12-01T09:31:00Z',
      startedAt: '2026-12-01T09:32:00Z',
      completedAt: '2026-12-01T09:40:00Z',
      result: {
        summary: 'drafted',
        artefacts: ['docs/releases/0.2.md'],
        nextAgent: 'reviewer',
        nextTaskTitle: 'Review the notes',
        tool: 'stand-in',
        model: 'stand-in-small',
        attempts: 2,
        tokens: { input: 1200, output: 300, cacheRead: 10, cacheWrite: 0 },
        costUsd: 0.012,
        chainId: 'chain-1',
        answer: 'answers/2026-12-01T0930-writer-notes.md',
      },
      path: 'done/writer/2026-12-01T0930-writer-notes.yaml',
      revision: expect.stringMatching(/^[0-9a-f]{64}$/),
      warnings: [],
    });
  });

  it('defaults what a short file leaves out', () => {
    const parsed = parse(
      'inbox/x.yaml',
      'id: x\nagent: writer\nstatus: new\ntitle: T\ncreated_at: 2026-12-01T09:30:00Z\n',
    );
    expect(parsed.task).toMatchObject({
      priority: 'normal',
      acceptanceCriteria: [],
      context: { files: [] },
      dependsOn: [],
      warnings: [],
    });
  });

  it('warns, with a did-you-mean, about a key close to a known one, and keeps it', () => {
    const parsed = parse(
      'inbox/x.yaml',
      'id: x\nagent: writer\nstatus: new\ntitle: T\nprority: high\ncreated_at: 2026-12-01T09:30:00Z\nresult:\n  sumary: s\nowner: me\n',
    );
    expect(parsed.task?.warnings).toEqual([
      "inbox/x.yaml:5:1: warning: prority: 'prority' is not a task field (kept as it is); did you mean 'priority'? Rename it if so",
      "inbox/x.yaml:8:3: warning: result.sumary: 'sumary' is not a task field (kept as it is); did you mean 'summary'? Rename it if so",
    ]);
  });

  it('reads the old shape with warnings: an id that is not the stem, created/updated, a text result', () => {
    const parsed = parse(
      'done/writer/release-notes.yaml',
      'id: T-100\nagent: writer\nstatus: done\ntitle: Notes\npriority: low\ncreated: 2026-11-28T14:00:00Z\nupdated: 2026-11-29T16:10:00Z\nresult: Drafted.\n',
    );
    expect(parsed.task).toMatchObject({
      id: 'release-notes',
      createdAt: '2026-11-28T14:00:00Z',
      completedAt: '2026-11-29T16:10:00Z',
      result: { summary: 'Drafted.' },
    });
    expect(parsed.oldShape).toEqual(['created', 'updated', 'result-text', 'id']);
    expect(parsed.issues.map((issue) => [issue.severity, issue.field])).toEqual([
      ['error', 'id'],
      ['warning', 'created'],
      ['warning', 'updated'],
      ['warning', 'result'],
    ]);
  });

  it('flags an unknown agent with a did-you-mean, and a status or agent that disagrees with the folder', () => {
    const unknown = parse(
      'assigned/architec/x.yaml',
      'id: x\nagent: architec\nstatus: assigned\ntitle: T\ncreated_at: 2026-12-01T09:30:00Z\n',
      ['architect', 'writer'],
    );
    expect(unknown.task?.warnings).toEqual([
      "assigned/architec/x.yaml:2:8: agent: 'architec' is not an agent of agents.yaml; did you mean 'architect'? (known agents: architect, writer)",
    ]);
    const misplaced = parse(
      'inbox/x.yaml',
      'id: x\nagent: writer\nstatus: done\ntitle: T\ncreated_at: 2026-12-01T09:30:00Z\n',
    );
    expect(misplaced.task?.status).toBe('done');
    expect(misplaced.issues[0]).toMatchObject({ severity: 'error', field: 'status', line: 3, column: 9 });
    const otherAgent = parse(
      'assigned/writer/x.yaml',
      'id: x\nagent: architect\nstatus: assigned\ntitle: T\ncreated_at: 2026-12-01T09:30:00Z\n',
    );
    expect(otherAgent.issues[0]).toMatchObject({ severity: 'error', field: 'agent' });
  });

  it('reports every wrong field at once, with positions, and gives no task', () => {
    const parsed = parse(
      'inbox/x.yaml',
      'id: x\nagent: writer\nstatus: finished\ntitle: [a]\npriority: urgent\ncreated_at: 2026-12-01 09:30\ndepends_on: a\n',
    );
    expect(parsed.task).toBeUndefined();
    expect(
      parsed.issues.map(
        (issue) => `${issue.line}:${issue.column} ${issue.field}: ${issue.message}; ${issue.fix}`,
      ),
    ).toEqual([
      "3:9 status: 'finished' is not a status; use one of new, assigned, in_progress, blocked, done, error",
      '4:8 title: must be one line of text, not a list; write title: Draft the release notes',
      "5:11 priority: 'urgent' is not a priority; use one of critical, high, medium, normal, low",
      "6:13 created_at: '2026-12-01 09:30' is not ISO 8601 UTC with Z; write created_at: 2026-12-01T09:30:00Z (or run `llm-service tasks migrate`)",
      "7:13 depends_on: must be a list of task ids, not 'a'; write depends_on: [2026-12-01T0930-architect-design]",
    ]);
  });

  it('refuses an alias bomb, a second document and a file over 1 MiB without reading them as tasks', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from({ length: 9 }, (_, i) => {
        const name = String.fromCharCode(98 + i);
        const previous = String.fromCharCode(97 + i);
        return `${name}: &${name} [*${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}]`;
      }),
    ].join('\n');
    const exploded = parse('inbox/bomb.yaml', `${bomb}\n`);
    expect(exploded.task).toBeUndefined();
    expect(exploded.issues[0]).toMatchObject({ severity: 'fatal', field: 'yaml' });
    const twoDocuments = parse('inbox/two.yaml', 'id: two\n---\nid: three\n');
    expect(twoDocuments.issues[0]).toMatchObject({ severity: 'fatal', line: 2, column: 1, field: 'yaml' });
    const big = parse('inbox/big.yaml', `title: ${'x'.repeat(1024 * 1024)}\n`);
    expect(big.issues.map((issue) => issue.field)).toEqual(['file']);
    expect(big.document).toBeUndefined();
  });

  it('refuses bytes that are not UTF-8 at the line of the first one', () => {
    const bytes = Buffer.concat([
      Buffer.from('id: latin1\ntitle: caf'),
      Buffer.from([0xe9]),
      Buffer.from('\n'),
    ]);
    const latin1 = parseTaskFile(locate('inbox/latin1.yaml')!, bytes);
    expect(latin1.task).toBeUndefined();
    expect(latin1.issues).toMatchObject([
      { severity: 'fatal', line: 2, column: 1, field: 'file', message: 'the file is not UTF-8 text' },
    ]);
  });
});
