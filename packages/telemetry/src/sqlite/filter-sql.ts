import type { InvocationFilter } from '@llm-service/spec';

export interface SqlFragment {
  sql: string;
  parameters: unknown[];
}

/** The WHERE clause of a filter (always valid: `1` when empty). Times compare as ISO 8601 text, as stored. */
export function filterSql(filter: InvocationFilter): SqlFragment {
  const clauses: string[] = [];
  const parameters: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    clauses.push(sql);
    parameters.push(value);
  };
  if (filter.project !== undefined) add('project = ?', filter.project);
  if (filter.taskId !== undefined) add('task_id = ?', filter.taskId);
  if (filter.since) add('started_at >= ?', filter.since.toISOString());
  if (filter.until) add('started_at < ?', filter.until.toISOString());
  if (filter.agent !== undefined) add('agent = ?', filter.agent);
  if (filter.tool !== undefined) add('tool = ?', filter.tool);
  if (filter.model !== undefined) add('model = ?', filter.model);
  if (filter.taskType !== undefined) add('task_type = ?', filter.taskType);
  if (filter.chainId !== undefined) add('chain_id = ?', filter.chainId);
  if (filter.status !== undefined) add('status = ?', filter.status);
  return { sql: clauses.length > 0 ? clauses.join(' AND ') : '1', parameters };
}
