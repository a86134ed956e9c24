import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_TASK_FILE_BYTES, parseTaskFile } from './parse-task.js';

const parse = (key: string, text: string) => parseTaskFile(key, Buffer.from(text));
const malformedFlag = 'the file is not a valid task file; shown by its directory';

describe('parseTaskFile', () => {
  it('reads every field, keeps unknown ones out of the way, and hashes the bytes', () => {
    const text = [
      'id: T-7',
      'agent: backend-dev',
      'status: in_progress',
      'title: Add the budget endpoint',
      'priority: high',
      'description: |',
      '  Implement **GET /budget**.',
      'created: 2026-01-02T03:04:05+02:00',
      'updated: 2026-01-03',
      'result: null',
      'error:',
      'tags: [api]',
      'estimate: { hours: 3 }',
      '',
    ].join('\n');
    expect(parse('assigned/backend-dev/t7.yaml', text)).toEqual({
      key: 'assigned/backend-dev/t7.yaml',
      column: 'in_progress',
      flag: null,
      parseError: null,
      id: 'T-7',
      agent: 'backend-dev',
      status: 'in_progress',
      title: 'Add the budget endpoint',
      priority: 'high',
      description: 'Implement **GET /budget**.\n',
      descriptionHtml: '<p>Implement <strong>GET /budget</strong>.</p>\n',
      created: '2026-01-02T01:04:05.000Z',
      updated: '2026-01-03T00:00:00.000Z',
      result: null,
      error: null,
      version: createHash('sha256').update(text).digest('hex'),
    });
  });

  it('gives timestamps as ISO strings whether written as dates or quoted, and keeps other text as written', () => {
    const card = parse('inbox/t.yaml', 'created: "2026-01-02 03:04:05"\nupdated: last tuesday\n');
    expect(card.created).toBe('2026-01-02T03:04:05.000Z');
    expect(card.updated).toBe('last tuesday');
  });

  it('accepts numeric ids and priorities as text', () => {
    const card = parse('inbox/t.yaml', 'id: 42\npriority: 1\nstatus: new\n');
    expect([card.id, card.priority, card.flag]).toEqual(['42', '1', null]);
  });

  it('flags a file whose status and directory disagree', () => {
    const card = parse('inbox/t.yaml', 'status: done\ntitle: x\n');
    expect([card.column, card.flag, card.title]).toEqual([
      'done',
      'status is done but the file is in inbox/',
      'x',
    ]);
  });

  it('falls back to the directory for an invalid status, flagged', () => {
    const card = parse('done/a/t.yaml', 'status: xyz\n');
    expect(card.column).toBe('done');
    expect(card.flag).toBe(
      'status "xyz" is not one of new, assigned, in_progress, blocked, done, error; shown by its directory',
    );
    expect(card.parseError).toBeNull();
  });

  it('keeps a file with a YAML syntax error as a flagged card, with the line', () => {
    const card = parse('assigned/a/t.yaml', 'id: T-1\ntitle: "unterminated\nstatus: new\n');
    expect(card.column).toBe('assigned');
    expect(card.flag).toBe(malformedFlag);
    expect(card.parseError).toMatch(/^Missing closing "quote at line 4, column 1/);
    expect(card.title).toBeNull();
    expect(card.id).toBeNull();
  });

  it('reports the line of a duplicate key', () => {
    expect(parse('inbox/t.yaml', 'title: a\nstatus: new\ntitle: b\n').parseError).toBe(
      'Map keys must be unique at line 3, column 1',
    );
  });

  it.each([
    ['- a list\n', 'the top level is a list, not a mapping of task fields'],
    ['just text\n', 'the top level is text, not a mapping of task fields'],
    ['', 'the file is empty, not a mapping of task fields'],
    ['# only a comment\n', 'the file is empty, not a mapping of task fields'],
  ])('keeps a file whose top level is not a mapping (%j) as a flagged card', (text, parseError) => {
    const card = parse('done/a/t.yaml', text);
    expect([card.column, card.flag, card.parseError]).toEqual(['done', malformedFlag, parseError]);
  });

  it('keeps a file with fields of the wrong type as a flagged card, naming each field and its line', () => {
    const card = parse(
      'misc/t.yaml',
      'status: new\ntitle:\n  - a\n  - b\npriority: high\ncreated: true\nresult: [1, 2]\n',
    );
    expect(card.column).toBe('inbox');
    expect(card.flag).toBe(malformedFlag);
    expect(card.parseError).toBe(
      'line 3: title must be text, not a list; line 6: created must be a date or text, not true/false; ' +
        'line 7: result must be text or a mapping with summary, not a list',
    );
    expect(card.status).toBeNull();
  });

  it('reads the shape the tasks plugin writes: result and error maps, and its _at times', () => {
    const done = parse(
      'done/w/t.yaml',
      'id: t\nstatus: done\ncreated_at: 2026-11-28T14:00:00Z\nstarted_at: 2026-11-29T16:02:00Z\n' +
        'completed_at: 2026-11-29T16:10:00Z\nresult:\n  summary: Notes drafted.\n  cost_usd: 0.25\n',
    );
    expect([done.parseError, done.result, done.created, done.updated]).toEqual([
      null,
      'Notes drafted.',
      '2026-11-28T14:00:00.000Z',
      '2026-11-29T16:10:00.000Z',
    ]);
    const failed = parse(
      'done/w/e.yaml',
      'id: e\nstatus: error\nerror: { message: timed out, kind: timeout }\n',
    );
    expect([failed.parseError, failed.error]).toEqual([null, 'timed out']);
  });

  it('refuses alias bombs and oversized files without parsing them', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 10; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${`*${String.fromCharCode(97 + i)}, `.repeat(10)}]`,
      );
    expect(parse('inbox/t.yaml', bomb.join('\n')).parseError).toMatch(/alias/i);
    const huge = parse('inbox/t.yaml', `title: ${'x'.repeat(MAX_TASK_FILE_BYTES)}\n`);
    expect(huge.parseError).toBe('the file is larger than 1 MiB');
  });

  it('renders the description safely', () => {
    const card = parse('inbox/t.yaml', 'description: "<script>alert(1)</script> [x](javascript:alert(1))"\n');
    expect(card.descriptionHtml).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))</p>\n',
    );
  });
});
