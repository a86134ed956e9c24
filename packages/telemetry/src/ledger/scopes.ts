import type { SpendScope } from '@llm-service/spec';
import { TelemetryError, TelemetryErrorCode } from '../errors.js';
import type { SqlFragment } from '../query/filter-sql.js';

const scopeColumns: Record<string, string> = {
  agent: 'agent',
  tool: 'tool',
  model: 'model',
  chain: 'chain_id',
  'task-type': 'task_type',
  task_type: 'task_type',
  project: 'project',
};

/**
 * The invocations a spend scope covers: `global`, or `<kind>:<name>` (split at the first colon, so model names may
 * contain colons) with kind agent, tool, model, chain, task-type or project.
 */
export function scopeSql(scope: SpendScope): SqlFragment {
  if (scope === 'global') return { sql: '1', parameters: [] };
  const colon = scope.indexOf(':');
  const column = colon > 0 ? scopeColumns[scope.slice(0, colon)] : undefined;
  const name = scope.slice(colon + 1);
  if (!column || name === '') {
    throw new TelemetryError(TelemetryErrorCode.scope, `unknown spend scope '${scope}'`, {
      hint: 'use global, project:<name>, agent:<name>, tool:<name>, model:<name>, chain:<id> or task-type:<name>',
    });
  }
  return { sql: `${column} = ?`, parameters: [name] };
}
