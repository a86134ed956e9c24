import type { InvocationFilter } from '@llm-service/spec';

/** A piece of SQL with its parameters, numbered from where the statement it goes into has got to. */
export class Parameters {
  readonly values: unknown[] = [];
  /** `$n` for the value. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The WHERE clause of a filter (`true` when empty); instants compare as timestamps, bounds [since, until). */
export function filterSql(filter: InvocationFilter, parameters: Parameters, alias = ''): string {
  const column = (name: string) => `${alias}${name}`;
  const clauses: string[] = [];
  const equal = (name: string, value: string | undefined) => {
    if (value !== undefined) clauses.push(`${column(name)} = ${parameters.add(value)}`);
  };
  equal('project', filter.project);
  equal('task_id', filter.taskId);
  if (filter.since) clauses.push(`${column('started_at')} >= ${parameters.add(filter.since.toISOString())}`);
  if (filter.until) clauses.push(`${column('started_at')} < ${parameters.add(filter.until.toISOString())}`);
  equal('agent', filter.agent);
  equal('tool', filter.tool);
  equal('model', filter.model);
  equal('task_type', filter.taskType);
  equal('chain_id', filter.chainId);
  equal('status', filter.status);
  return clauses.length > 0 ? clauses.join(' AND ') : 'true';
}
