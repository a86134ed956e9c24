import { parseSpendScope } from '@llm-service/plugin-kit';
import type { SpendScope } from '@llm-service/spec';
import { PostgresStoreError, PostgresStoreErrorCode } from '../errors.js';
import type { Parameters } from '../queries/filter.js';

const scopeColumns = {
  agent: 'agent',
  tool: 'tool',
  model: 'model',
  chain: 'chain_id',
  'task-type': 'task_type',
  project: 'project',
} as const;

/** The invocations a spend scope covers, as a condition; the same reading of a scope as every other store's. */
export function scopeSql(scope: SpendScope, parameters: Parameters): string {
  const parsed = parseSpendScope(scope);
  if (!parsed) {
    throw new PostgresStoreError(PostgresStoreErrorCode.invalid, `unknown spend scope '${scope}'`, {
      hint: 'use global, project:<name>, agent:<name>, tool:<name>, model:<name>, chain:<id> or task-type:<name>',
    });
  }
  if (parsed.kind === 'global') return 'true';
  return `${scopeColumns[parsed.kind]} = ${parameters.add(parsed.name)}`;
}
