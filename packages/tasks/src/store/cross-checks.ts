import type { TaskV1 } from '@llm-service/spec';
import { closestMatch } from '@llm-service/plugin-kit';
import type { TaskFileIssue } from '../file/issues.js';
import { statusRank, type ParsedTaskFile } from '../file/parse-task-file.js';
import { positionOf } from '../file/yaml-edit.js';

/** The latest time a task's file records: the copy written last by a move has the latest one. */
export function latestTime(task: TaskV1): number {
  const times = [task.createdAt, task.assignedAt, task.startedAt, task.completedAt, task.error?.at]
    .filter((value): value is string => value !== undefined)
    .map((value) => Date.parse(value))
    .filter((value) => !Number.isNaN(value));
  return times.length > 0 ? Math.max(...times) : 0;
}

/** Positive when `a` is a later state of the task than `b`: a later time, else a status further along. */
export function compareCopies(a: TaskV1, b: TaskV1): number {
  return latestTime(a) - latestTime(b) || statusRank[a.status] - statusRank[b.status];
}

export interface Copies {
  /** One file per id: the later copy when a move was interrupted. */
  winners: ParsedTaskFile[];
  /** Earlier copies of a task whose later copy exists: what an interrupted move left behind. */
  leftovers: { file: ParsedTaskFile; winner: ParsedTaskFile }[];
  issues: TaskFileIssue[];
}

/**
 * Two files with one id. A move writes the new file before it removes the old one, so a crash in between leaves two
 * copies, and the later one (by its times, then by how far along its status is) is the task: the other is a
 * leftover. Copies that cannot be told apart are a real duplicate: the first (by path) is read, the others are
 * reported and skipped, and nothing is removed.
 */
export function resolveCopies(files: readonly ParsedTaskFile[]): Copies {
  const byId = new Map<string, ParsedTaskFile[]>();
  for (const file of files) {
    if (!file.task) continue;
    const group = byId.get(file.task.id) ?? [];
    group.push(file);
    byId.set(file.task.id, group);
  }
  const winners: ParsedTaskFile[] = [];
  const leftovers: Copies['leftovers'] = [];
  const issues: TaskFileIssue[] = [];
  for (const group of byId.values()) {
    const sorted = [...group].sort(
      (a, b) => compareCopies(b.task!, a.task!) || (a.location.key < b.location.key ? -1 : 1),
    );
    const winner = sorted[0]!;
    winners.push(winner);
    for (const other of sorted.slice(1)) {
      if (compareCopies(winner.task!, other.task!) > 0) {
        leftovers.push({ file: other, winner });
        issues.push({
          path: other.location.key,
          line: 1,
          column: 1,
          field: 'id',
          message: `duplicate id '${winner.task!.id}': a copy left by an interrupted move; ${winner.location.key} (${winner.task!.status}) is later`,
          fix: '`llm-service tasks list` removes this copy',
          severity: 'error',
        });
      } else {
        issues.push({
          path: other.location.key,
          line: 1,
          column: 1,
          field: 'id',
          message: `duplicate id '${winner.task!.id}': ${winner.location.key} has the same id and is read instead`,
          fix: 'remove one of the two files, or rename one (its id with it)',
          severity: 'fatal',
        });
      }
    }
  }
  return { winners, leftovers, issues };
}

/**
 * `depends_on` naming no task of the work directory, and dependency cycles (reported on every task of the cycle).
 * `knownIds` holds every task file's stem, readable or not: a dependency on a malformed file is that file's problem.
 */
export function checkDependencies(
  winners: readonly ParsedTaskFile[],
  knownIds: ReadonlySet<string>,
): TaskFileIssue[] {
  const issues: TaskFileIssue[] = [];
  const byId = new Map(winners.map((file) => [file.task!.id, file]));
  const where = (file: ParsedTaskFile, index: number) =>
    file.document && file.lineCounter
      ? positionOf(file.document, file.lineCounter, ['depends_on', index])
      : { line: 1, column: 1 };

  for (const file of winners) {
    file.task!.dependsOn.forEach((dependency, index) => {
      if (knownIds.has(dependency)) return;
      const match = closestMatch(dependency, [...knownIds]);
      issues.push({
        path: file.location.key,
        ...where(file, index),
        field: `depends_on[${index}]`,
        message: `'${dependency}' is not a task of this work directory`,
        fix: match ? `did you mean '${match}'?` : 'name the id of a task file (its name without .yaml)',
        severity: 'error',
      });
    });
  }

  // Depth-first search; a task reached again while on the stack closes a cycle.
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (id: string) => {
    state.set(id, 'open');
    stack.push(id);
    const file = byId.get(id)!;
    file.task!.dependsOn.forEach((dependency, index) => {
      if (!byId.has(dependency)) return;
      if (state.get(dependency) === 'open') {
        const cycle = [...stack.slice(stack.indexOf(dependency)), dependency];
        const key = [...cycle.slice(0, -1)].sort().join('\0');
        if (reported.has(key)) return;
        reported.add(key);
        // Each task of the cycle is told, at the dependency that continues it.
        for (let step = 0; step < cycle.length - 1; step++) {
          const member = byId.get(cycle[step]!)!;
          const next = cycle[step + 1]!;
          const at = member === file ? index : member.task!.dependsOn.indexOf(next);
          issues.push({
            path: member.location.key,
            ...where(member, at),
            field: `depends_on[${at}]`,
            message: `dependency cycle: ${[...cycle.slice(step, -1), ...cycle.slice(0, step + 1)].join(' → ')}`,
            fix: 'remove one of these dependencies; a task in a cycle never runs',
            severity: 'error',
          });
        }
      } else if (!state.has(dependency)) {
        visit(dependency);
      }
    });
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of [...byId.keys()].sort()) if (!state.has(id)) visit(id);
  return issues;
}
