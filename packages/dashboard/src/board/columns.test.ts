import { describe, expect, it } from 'vitest';
import type { TaskCard } from '../model.js';
import { compareCards, placeTask, priorityRank, TASK_STATUSES } from './columns.js';

const directories = ['inbox/', 'assigned/backend-dev/', 'done/backend-dev/', 'archive/2026/', ''] as const;
/** The spec, written out: which statuses each workflow directory agrees with. */
const agrees: Record<string, readonly string[]> = {
  'inbox/': ['new'],
  'assigned/backend-dev/': ['assigned', 'in_progress', 'blocked'],
  'done/backend-dev/': ['done', 'error'],
};
const statusColumn = {
  new: 'inbox',
  assigned: 'assigned',
  in_progress: 'in_progress',
  blocked: 'blocked',
  done: 'done',
  error: 'error',
} as const;

describe('placeTask', () => {
  const pairs = directories.flatMap((directory) =>
    TASK_STATUSES.map((status) => [directory, status] as const),
  );

  it.each(pairs)(
    '%s with status %s goes to the status column, flagged when they disagree',
    (directory, status) => {
      const placement = placeTask(`${directory}t.yaml`, status);
      expect(placement.column).toBe(statusColumn[status]);
      const expected = agrees[directory];
      if (expected === undefined || expected.includes(status)) {
        expect(placement.flag).toBeNull();
      } else {
        const top = directory.split('/')[0];
        expect(placement.flag).toBe(`status is ${status} but the file is in ${top}/`);
      }
    },
  );

  it.each([
    ['inbox/t.yaml', 'inbox'],
    ['assigned/a/t.yaml', 'assigned'],
    ['done/a/t.yaml', 'done'],
    ['archive/t.yaml', 'inbox'],
    ['t.yaml', 'inbox'],
  ] as const)('an invalid status puts %s in the column of its directory (%s), flagged', (key, column) => {
    expect(placeTask(key, 'finished')).toEqual({
      column,
      flag: 'status "finished" is not one of new, assigned, in_progress, blocked, done, error; shown by its directory',
    });
  });

  it('a missing status puts the file in its directory column, unflagged', () => {
    expect(placeTask('done/a/t.yaml', null)).toEqual({ column: 'done', flag: null });
    expect(placeTask('misc/t.yaml', null)).toEqual({ column: 'inbox', flag: null });
  });

  it('matches the directory by name, not by prefix', () => {
    expect(placeTask('inboxes/t.yaml', 'done')).toEqual({ column: 'done', flag: null });
    expect(placeTask('inbox.yaml', 'done')).toEqual({ column: 'done', flag: null });
  });
});

describe('card order', () => {
  const card = (key: string, column: TaskCard['column'], priority: string | null) =>
    ({ key, column, priority }) as TaskCard;

  it('ranks critical, high, medium, low, then anything else', () => {
    expect(['critical', 'high', 'medium', 'low', 'urgent', null].map(priorityRank)).toEqual([
      0, 1, 2, 3, 4, 4,
    ]);
    expect(priorityRank(' High ')).toBe(1);
  });

  it('sorts by column, then priority, then key', () => {
    const cards = [
      card('b', 'done', 'critical'),
      card('z', 'inbox', 'low'),
      card('y', 'inbox', null),
      card('a', 'inbox', 'high'),
      card('x', 'inbox', 'low'),
      card('c', 'assigned', 'other'),
    ];
    expect(cards.sort(compareCards).map((c) => c.key)).toEqual(['a', 'x', 'z', 'y', 'c', 'b']);
  });
});
