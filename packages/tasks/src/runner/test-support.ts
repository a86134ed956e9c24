import type { TaskV1 } from '@llm-service/spec';

/** A task as the store would list it, for tests: assigned to `writer`, normal priority, no dependencies. */
export function task(id: string, fields: Partial<TaskV1> = {}): TaskV1 {
  return {
    id,
    agent: 'writer',
    status: 'assigned',
    title: `Task ${id}`,
    priority: 'normal',
    acceptanceCriteria: [],
    context: { files: [] },
    dependsOn: [],
    createdAt: '2026-12-01T09:00:00Z',
    path: `assigned/writer/${id}.yaml`,
    revision: `rev-${id}`,
    warnings: [],
    ...fields,
  };
}
