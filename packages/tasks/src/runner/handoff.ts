import { randomUUID } from 'node:crypto';
import type { NewTaskV1, TaskV1 } from '@llm-service/spec';
import { closestMatch } from '@llm-service/plugin-kit';
import type { AnswerFields } from './answer.js';

/**
 * Pipelines: a task whose answer names a `next_agent` hands off to a follow-up task for that agent, which depends on
 * it and runs in the same chain. The chain id is kept in the files themselves: the parent's `result.chain_id`, and
 * the follow-up finds it through its hand-off parent (the dependency whose `result.next_agent` is the follow-up's
 * agent), so a chain survives restarts and works across runners.
 */

/** The dependency that handed off to `task`: done, with `result.next_agent` naming the task's agent. */
export function handOffParent(task: TaskV1, byId: ReadonlyMap<string, TaskV1>): TaskV1 | undefined {
  for (const id of task.dependsOn) {
    const dependency = byId.get(id);
    if (dependency?.result?.nextAgent === task.agent) return dependency;
  }
  return undefined;
}

/**
 * The chain a task runs in: the one it already ran in (a retried task keeps its chain), else its hand-off parent's,
 * else `LLM_SERVICE_CHAIN_ID`, else a new one: the first task of a pipeline starts its chain.
 */
export function chainOf(
  task: TaskV1,
  byId: ReadonlyMap<string, TaskV1>,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return (
    task.result?.chainId ||
    handOffParent(task, byId)?.result?.chainId ||
    env.LLM_SERVICE_CHAIN_ID ||
    randomUUID()
  );
}

/**
 * How many hand-offs led to `task`: 0 for the first task of a pipeline. Walks hand-off parents; a walk that comes
 * back to a task it saw is a cycle (files edited by hand), reported as such.
 */
export function handOffDepth(
  task: TaskV1,
  byId: ReadonlyMap<string, TaskV1>,
): { depth: number; cycle: string[] | undefined } {
  const seen = [task.id];
  let current = task;
  for (;;) {
    const parent = handOffParent(current, byId);
    if (parent === undefined) return { depth: seen.length - 1, cycle: undefined };
    if (seen.includes(parent.id)) return { depth: seen.length - 1, cycle: [...seen, parent.id] };
    seen.push(parent.id);
    current = parent;
  }
}

export type HandOffPlan =
  | { action: 'none' }
  /** The follow-up a previous run of this task created (a run that crashed after it): reused, not duplicated. */
  | { action: 'exists'; task: TaskV1 }
  | { action: 'create'; task: NewTaskV1 }
  | { action: 'refuse'; message: string };

const MAX_TITLE_CHARS = 200;

/** What to do with a finished task's hand-off, by the rules: a known agent, no cycle, within `maxHandoffs`. */
export function planHandOff(input: {
  task: TaskV1;
  answer: Pick<AnswerFields, 'nextAgent' | 'nextTaskTitle' | 'nextTaskNotes'>;
  /** The artefacts the follow-up gets as `context.files` (already checked to be files of the project). */
  artefacts: readonly string[];
  tasks: readonly TaskV1[];
  agents: readonly string[];
  maxHandoffs: number;
}): HandOffPlan {
  const { task, answer } = input;
  const next = answer.nextAgent;
  if (next === undefined) return { action: 'none' };
  if (!input.agents.includes(next)) {
    const near = closestMatch(next, input.agents);
    return {
      action: 'refuse',
      message:
        `hand-off refused: next_agent '${next}' is not an agent of agents.yaml` +
        `${near ? ` (did you mean '${near}'?)` : ''}; create the follow-up by hand with llm-service tasks new`,
    };
  }
  const byId = new Map(input.tasks.map((each) => [each.id, each]));
  byId.set(task.id, task);
  const { depth, cycle } = handOffDepth(task, byId);
  if (cycle)
    return {
      action: 'refuse',
      message: `hand-off refused: the pipeline's hand-offs lead back to a task they came from (${cycle.join(' → ')}); fix depends_on`,
    };
  if (depth + 1 > input.maxHandoffs)
    return {
      action: 'refuse',
      message:
        `hand-off to '${next}' refused: this pipeline already made ${depth} hand-off${depth === 1 ? '' : 's'} ` +
        `(tasks.max_handoffs is ${input.maxHandoffs}); raise tasks.max_handoffs in llm-service.yaml or create the follow-up by hand`,
    };
  const existing = input.tasks.find(
    (each) => each.id !== task.id && each.agent === next && each.dependsOn.includes(task.id),
  );
  if (existing) return { action: 'exists', task: existing };
  const title = answer.nextTaskTitle ?? `Follow-up of ${task.title}`;
  return {
    action: 'create',
    task: {
      agent: next,
      title: title.length > MAX_TITLE_CHARS ? `${title.slice(0, MAX_TITLE_CHARS - 1)}…` : title,
      priority: task.priority,
      ...(answer.nextTaskNotes === undefined ? {} : { description: answer.nextTaskNotes }),
      context: { files: [...input.artefacts] },
      dependsOn: [task.id],
      assign: true,
    },
  };
}
