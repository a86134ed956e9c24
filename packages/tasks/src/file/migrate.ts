import type { TaskStatus } from '@llm-service/spec';
import { isScalar, type Document } from 'yaml';
import { taskStatuses } from '@llm-service/spec';
import { stampKeyOf } from './parse-task-file.js';
import { normalizeTimestamp } from './timestamps.js';
import { mapAt, printTaskYaml, renameKey, setField } from './yaml-edit.js';

/**
 * Rewrites a task file of the old shape (what the quick-start shipped before the tasks plugin) in the current one,
 * on its parsed document, so comments and the team's own keys stay:
 * - `id` becomes the file's stem (the old id is kept in a comment beside it);
 * - `created` becomes `created_at`, and `updated` the stamp of the task's status (`assigned_at`, `started_at`,
 *   `completed_at`) when the file has none;
 * - times become ISO 8601 UTC with `Z`;
 * - a text `result` becomes `result: { summary: … }`, a text `error` becomes `error: { message, kind: unknown, at }`.
 * Returns the text and what changed, or undefined text when nothing needed to.
 */
export function migrateDocument(
  document: Document,
  stem: string,
): { text: string | undefined; changes: string[] } {
  const changes: string[] = [];
  const map = mapAt(document, []);
  if (!map) return { text: undefined, changes };
  const get = (key: string): unknown => {
    const node = document.get(key, true);
    return isScalar(node) ? node.value : node === undefined ? undefined : node;
  };

  const id = document.get('id', true);
  if (id === undefined) {
    setField(document, [], 'id', stem);
    changes.push(`id: added (${stem})`);
  } else if (!isScalar(id) || id.value !== stem) {
    const old = isScalar(id) ? String(id.value) : 'not text';
    setField(document, [], 'id', stem);
    const node = document.get('id', true);
    if (isScalar(node)) node.comment = ` was ${old}`;
    changes.push(`id: ${old} → ${stem}`);
  }

  if (document.has('created') && !document.has('created_at') && renameKey(document, 'created', 'created_at'))
    changes.push('created → created_at');
  const status = get('status');
  const stampKey =
    typeof status === 'string' && (taskStatuses as readonly string[]).includes(status)
      ? stampKeyOf(status as TaskStatus)
      : undefined;
  if (
    stampKey &&
    document.has('updated') &&
    !document.has(stampKey) &&
    renameKey(document, 'updated', stampKey)
  )
    changes.push(`updated → ${stampKey}`);

  for (const key of ['created_at', 'assigned_at', 'started_at', 'completed_at']) {
    const value = get(key);
    const normalized = normalizeTimestamp(value);
    if (normalized !== undefined && normalized !== value) {
      setField(document, [], key, normalized);
      changes.push(`${key}: ${String(value)} → ${normalized}`);
    }
  }

  const result = document.get('result', true);
  if (isScalar(result) && typeof result.value === 'string') {
    const node = document.createNode({ summary: result.value });
    node.commentBefore = result.commentBefore;
    node.comment = result.comment;
    setField(document, [], 'result', node);
    changes.push('result: text → result.summary');
  }
  const error = document.get('error', true);
  if (isScalar(error) && typeof error.value === 'string') {
    const at =
      normalizeTimestamp(get('completed_at')) ??
      normalizeTimestamp(get('updated')) ??
      normalizeTimestamp(get('created_at'));
    const node = document.createNode({ message: error.value, kind: 'unknown', ...(at ? { at } : {}) });
    node.commentBefore = error.commentBefore;
    setField(document, [], 'error', node);
    changes.push('error: text → error.message');
  }
  return { text: changes.length > 0 ? printTaskYaml(document) : undefined, changes };
}
