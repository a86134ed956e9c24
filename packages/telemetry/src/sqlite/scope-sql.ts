import { parseSpendScope, type SpendScopeKind } from '@llm-service/plugin-kit';
import type { SpendScope } from '@llm-service/spec';
import { TelemetryError, TelemetryErrorCode } from '../errors.js';
import type { SqlFragment } from './filter-sql.js';

const scopeColumns: Record<SpendScopeKind, string> = {
  agent: 'agent',
  tool: 'tool',
  model: 'model',
  chain: 'chain_id',
  'task-type': 'task_type',
  project: 'project',
};

/** The error for a scope no store knows, with the scopes there are. */
export function unknownScopeError(scope: SpendScope): TelemetryError {
  return new TelemetryError(TelemetryErrorCode.scope, `unknown spend scope '${scope}'`, {
    hint: 'use global, project:<name>, agent:<name>, tool:<name>, model:<name>, chain:<id> or task-type:<name>',
  });
}

/** The invocations a spend scope covers. */
export function scopeSql(scope: SpendScope): SqlFragment {
  const parsed = parseSpendScope(scope);
  if (!parsed) throw unknownScopeError(scope);
  if (parsed.kind === 'global') return { sql: '1', parameters: [] };
  return { sql: `${scopeColumns[parsed.kind]} = ?`, parameters: [parsed.name] };
}
