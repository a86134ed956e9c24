import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskFileIssue } from '../file/issues.js';
import { taskFileName, taskFolders } from '../file/layout.js';

export interface ScanResult {
  /** Task files where task files go: `inbox/*.yaml`, `assigned/<agent>/*.yaml`, `done/<agent>/*.yaml`. */
  keys: string[];
  /** Links where task files or agent folders are, and YAML files in places the store does not read. */
  issues: TaskFileIssue[];
}

async function entriesOf(path: string) {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch {
    // Missing (nothing there yet) or unreadable: the reads of its files would fail the same way.
    return [];
  }
}

const isYaml = (name: string) => taskFileName.test(name);

/**
 * Lists the task files of a work directory without following any link: a link in place of a task file or an agent
 * folder is reported (fatal: it could make the store read or write outside the work directory), and YAML files
 * outside the folders' layout are reported as not read. Anything else (answers, notes, hidden files) is not the
 * store's business.
 */
export async function scanWorkDir(realWorkDir: string): Promise<ScanResult> {
  const keys: string[] = [];
  const issues: TaskFileIssue[] = [];
  const problem = (path: string, severity: TaskFileIssue['severity'], message: string, fix: string) =>
    issues.push({ path, line: 1, column: 1, field: 'file', message, fix, severity });

  for (const folder of taskFolders) {
    for (const entry of await entriesOf(join(realWorkDir, folder))) {
      const key = `${folder}/${entry.name}`;
      if (entry.name.startsWith('.')) continue;
      if (folder === 'inbox') {
        if (entry.isFile() && isYaml(entry.name)) keys.push(key);
        else if (entry.isSymbolicLink() && isYaml(entry.name))
          problem(key, 'fatal', 'is a link, not a task file', 'put the file itself here, not a link to it');
        else if (entry.isDirectory())
          problem(`${key}/`, 'warning', 'folders in inbox/ are not read', 'move its task files into inbox/');
        continue;
      }
      if (entry.isSymbolicLink()) {
        problem(
          key,
          'fatal',
          'is a link; agent folders and task files must not be links',
          'replace it with a folder',
        );
        continue;
      }
      if (!entry.isDirectory()) {
        if (isYaml(entry.name))
          problem(
            key,
            'warning',
            `is not read: task files in ${folder}/ go in a folder named after their agent`,
            `move it to ${folder}/<agent>/`,
          );
        continue;
      }
      for (const inner of await entriesOf(join(realWorkDir, folder, entry.name))) {
        const innerKey = `${key}/${inner.name}`;
        if (inner.name.startsWith('.') || !isYaml(inner.name)) continue;
        if (inner.isFile()) keys.push(innerKey);
        else if (inner.isSymbolicLink())
          problem(
            innerKey,
            'fatal',
            'is a link, not a task file',
            'put the file itself here, not a link to it',
          );
      }
    }
  }
  return { keys: keys.sort(), issues };
}
