import type { TaskFileProblemV1 } from '@llm-service/spec';

/**
 * How bad a problem of a task file is:
 * - `fatal`: the file cannot be read as a task. `list` and the runner skip it (a `TaskFileProblemV1`), nothing ever
 *   rewrites it, and `tasks validate` fails.
 * - `error`: the file reads as a task, but something about it is wrong (its id or folder, an unknown agent or
 *   dependency). `list` reads it with a warning; `tasks validate` fails.
 * - `warning`: worth a look (a key close to a known one, the old file shape); `tasks validate` still passes.
 */
export type IssueSeverity = 'fatal' | 'error' | 'warning';

export interface TaskFileIssue {
  /** The file, relative to the work directory. */
  path: string;
  line: number;
  column: number;
  /** The field, as the file spells it: `status`, `context.files[1]`; `yaml` for syntax, `file` for the whole file. */
  field: string;
  /** What is wrong. */
  message: string;
  /** How to fix it. */
  fix: string;
  severity: IssueSeverity;
}

/** `inbox/x.yaml:3:9: status: 'finished' is not a status; use one of …`, with `path` shown as `shownPath`. */
export function formatIssue(issue: TaskFileIssue, shownPath = issue.path): string {
  const marker = issue.severity === 'warning' ? 'warning: ' : '';
  return `${shownPath}:${issue.line}:${issue.column}: ${marker}${issue.field}: ${issue.message}; ${issue.fix}`;
}

export function toProblem(issue: TaskFileIssue): TaskFileProblemV1 {
  return { path: issue.path, line: issue.line, column: issue.column, message: formatIssue(issue) };
}

/** Issues in file order, then by severity (fatal first). */
export function compareIssues(a: TaskFileIssue, b: TaskFileIssue): number {
  const rank = { fatal: 0, error: 1, warning: 2 } as const;
  return (
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    rank[a.severity] - rank[b.severity]
  );
}

/** A value as the message quotes it: text in quotes, anything else by its kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value.length > 60 ? `'${value.slice(0, 57)}…'` : `'${value}'`;
  if (Array.isArray(value)) return 'a list';
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'boolean') return `${value} (true/false)`;
  return String(value);
}
