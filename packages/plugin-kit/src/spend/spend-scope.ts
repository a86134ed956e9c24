import type { SpendScope } from '@llm-service/spec';

/** The attempt field a spend scope selects on. */
export type SpendScopeKind = 'agent' | 'tool' | 'model' | 'chain' | 'task-type' | 'project';

export type ParsedSpendScope = { kind: 'global' } | { kind: SpendScopeKind; name: string };

const kinds: Record<string, SpendScopeKind> = {
  agent: 'agent',
  tool: 'tool',
  model: 'model',
  chain: 'chain',
  'task-type': 'task-type',
  // The spelling of task types in agents.yaml, accepted as in DESIGN section 2.
  task_type: 'task-type',
  project: 'project',
};

/**
 * Reads a spend scope (`global`, or `<kind>:<name>` split at the first colon, so model names may contain colons), for
 * every store to select the same attempts; undefined for a scope no store knows.
 */
export function parseSpendScope(scope: SpendScope): ParsedSpendScope | undefined {
  if (scope === 'global') return { kind: 'global' };
  const colon = scope.indexOf(':');
  const kind = colon > 0 ? kinds[scope.slice(0, colon)] : undefined;
  const name = scope.slice(colon + 1);
  if (!kind || name === '') return undefined;
  return { kind, name };
}
