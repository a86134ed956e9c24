import type { TaskStatus } from '@llm-service/spec';

/**
 * Where task files live under the work directory: `inbox/` holds `new` tasks, `assigned/<agent>/` the `assigned`,
 * `in_progress` and `blocked` ones, `done/<agent>/` the `done` and `error` ones. Paths here are keys: relative to
 * the work directory, with `/` separators.
 */
export const taskFolders = ['inbox', 'assigned', 'done'] as const;
export type TaskFolder = (typeof taskFolders)[number];

/** The statuses a file in each folder may have. */
export const statusesOfFolder: Readonly<Record<TaskFolder, readonly TaskStatus[]>> = {
  inbox: ['new'],
  assigned: ['assigned', 'in_progress', 'blocked'],
  done: ['done', 'error'],
};

export function folderOfStatus(status: TaskStatus): TaskFolder {
  if (status === 'new') return 'inbox';
  return status === 'done' || status === 'error' ? 'done' : 'assigned';
}

/** A task file name: YAML, not hidden (editors' swap files and our temp files start with a dot). */
export const taskFileName = /^[^.].*\.ya?ml$/i;

/** The name of an agent, as agents.yaml allows it: also a safe folder name. */
export const agentNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The id of a task: its file's stem. The same characters as an agent name, so it is a safe file name. */
export const taskIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface TaskLocation {
  /** `inbox/x.yaml`, `assigned/writer/x.yaml`. */
  key: string;
  folder: TaskFolder;
  /** The agent folder (`assigned/<agent>/`, `done/<agent>/`); undefined in the inbox. */
  agentFolder: string | undefined;
  /** The file name's stem: the task's id. */
  stem: string;
  fileName: string;
}

/** Splits a key into its folder, agent folder and stem; undefined for a key that is not where task files go. */
export function locate(key: string): TaskLocation | undefined {
  const segments = key.split('/');
  const fileName = segments[segments.length - 1] ?? '';
  if (!taskFileName.test(fileName)) return undefined;
  const stem = fileName.replace(/\.ya?ml$/i, '');
  const [folder, second] = segments;
  if (folder === 'inbox' && segments.length === 2)
    return { key, folder, agentFolder: undefined, stem, fileName };
  if ((folder === 'assigned' || folder === 'done') && segments.length === 3 && second !== undefined)
    return { key, folder, agentFolder: second, stem, fileName };
  return undefined;
}

/** The key a task with this status and agent has, keeping its file name (`.yaml` or `.yml`). */
export function keyFor(status: TaskStatus, agent: string, fileName: string): string {
  const folder = folderOfStatus(status);
  return folder === 'inbox' ? `inbox/${fileName}` : `${folder}/${agent}/${fileName}`;
}

/** Does a file's place agree with its status and agent? */
export function placeAgrees(location: TaskLocation, status: TaskStatus, agent: string): boolean {
  if (!statusesOfFolder[location.folder].includes(status)) return false;
  return location.folder === 'inbox' || location.agentFolder === agent;
}

/** ISO 8601 UTC to the second: what the store stamps (`2026-12-01T09:30:00Z`). */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What a task's title becomes in its file name: lower case ASCII words joined by `-`, at most 48 characters. */
export function slugOf(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let slug = '';
  for (const word of words) {
    const next = slug === '' ? word : `${slug}-${word}`;
    if (next.length > 48) break;
    slug = next;
  }
  return slug === '' ? (words[0]?.slice(0, 48) ?? 'task') : slug;
}

/** `2026-12-01T0930-writer-draft-the-release-notes`: UTC minute, agent, slug of the title. */
export function newTaskStem(now: Date, agent: string, title: string): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}-${agent}-${slugOf(title)}`;
}
