import { taskPriorities, type TaskPriority, type TaskV1 } from '@llm-service/spec';

/** 0 for `critical` … 4 for `low`; anything else after them. */
export function priorityRank(priority: TaskPriority | string | undefined): number {
  const rank = (taskPriorities as readonly string[]).indexOf(priority ?? 'normal');
  return rank === -1 ? taskPriorities.length : rank;
}

/** The runner's order: most urgent first, then oldest (`created_at`), then by id so the order is stable. */
export function compareTasks(a: TaskV1, b: TaskV1): number {
  return (
    priorityRank(a.priority) - priorityRank(b.priority) ||
    timeOf(a.createdAt) - timeOf(b.createdAt) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function timeOf(iso: string): number {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? Number.MAX_SAFE_INTEGER : time;
}

export interface RunnableSelection {
  /** `assigned` tasks whose dependencies are all `done`, in the runner's order. */
  runnable: TaskV1[];
  /** `assigned` tasks still waiting for a dependency, with what they wait for. */
  waiting: { task: TaskV1; on: string[] }[];
  /**
   * `assigned` tasks that can never run as they are: a dependency that does not exist, failed (`error`), or leads
   * back to the task itself. One line each, saying what to fix.
   */
  stuck: { task: TaskV1; reason: string }[];
}

/**
 * Which of the listed tasks can run now. `agents` (empty: all) limits the selection to those agents' tasks; a
 * dependency may belong to any agent.
 */
export function selectRunnable(tasks: readonly TaskV1[], agents: readonly string[] = []): RunnableSelection {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const selection: RunnableSelection = { runnable: [], waiting: [], stuck: [] };
  for (const task of tasks) {
    if (task.status !== 'assigned') continue;
    if (agents.length > 0 && !agents.includes(task.agent)) continue;
    const cycle = dependencyCycle(task.id, byId);
    if (cycle) {
      selection.stuck.push({
        task,
        reason: `its depends_on leads back to itself (${cycle.join(' → ')}); remove one of these dependencies`,
      });
      continue;
    }
    const waitingOn: string[] = [];
    let stuck: string | undefined;
    for (const id of task.dependsOn) {
      const dependency = byId.get(id);
      if (dependency === undefined) {
        stuck = `it depends on '${id}', which is not a task of this work directory; fix depends_on`;
        break;
      }
      if (dependency.status === 'error') {
        stuck = `its dependency '${id}' failed; retry it (llm-service tasks retry ${id}) or drop it from depends_on`;
        break;
      }
      if (dependency.status !== 'done') waitingOn.push(id);
    }
    if (stuck !== undefined) selection.stuck.push({ task, reason: stuck });
    else if (waitingOn.length > 0) selection.waiting.push({ task, on: waitingOn });
    else selection.runnable.push(task);
  }
  selection.runnable.sort(compareTasks);
  selection.waiting.sort((a, b) => compareTasks(a.task, b.task));
  return selection;
}

/** The ids of a dependency cycle through `start` (`a → b → a`), or undefined when its dependencies end. */
export function dependencyCycle(start: string, byId: ReadonlyMap<string, TaskV1>): string[] | undefined {
  // Depth-first, remembering the path; the graph is small (one work directory), the visited set keeps it linear.
  const visited = new Set<string>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (path.includes(id)) return id === start ? [...path, id] : undefined;
    if (visited.has(id)) return undefined;
    visited.add(id);
    path.push(id);
    for (const next of byId.get(id)?.dependsOn ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    return undefined;
  };
  return visit(start);
}
