import { lazySchema, z, type CommandInput, type TaskV1 } from '@llm-service/spec';
import { closestMatch } from '@llm-service/plugin-kit';
import { TaskError } from '../errors.js';
import type { FileTaskStore } from '../store/task-store.js';
import { commandOptions, commandStore, idArgument, writeJson } from './command-store.js';

const moveOptions = lazySchema(() =>
  z.object({ agent: z.string().optional(), json: z.boolean().optional() }),
);

/** The task to move, or the error that says why there is none. */
async function taskToMove(store: FileTaskStore, id: string): Promise<TaskV1> {
  const found = await store.find(id);
  if (found.task) return found.task;
  if (found.problems.length > 0)
    throw new TaskError('E_TASK_MALFORMED', `task file ${found.problems[0]!.message}`, {
      taskId: id,
      hint: 'fix the file by hand first (`llm-service tasks validate` lists every problem)',
    });
  const match = closestMatch(id, await store.ids());
  throw new TaskError('E_TASK_UNKNOWN', `no task '${id}' in ${store.workDir}`, {
    taskId: id,
    hint: match ? `did you mean '${match}'?` : 'list the tasks with `llm-service tasks list`',
  });
}

function report(input: CommandInput, json: boolean | undefined, task: TaskV1, what: string): number {
  if (json) writeJson(input, task);
  else input.io.stdout.write(`${what} ${task.id} to ${task.agent}: ${task.path}\n`);
  return 0;
}

/** `tasks assign ID [--agent A]`: a new or blocked task to its agent (or A), into assigned/<agent>/. */
export async function runAssign(input: CommandInput): Promise<number> {
  const options = commandOptions(input, moveOptions);
  const id = idArgument(input, 'assign');
  const { store } = await commandStore(input);
  const task = await taskToMove(store, id);
  const agent = options.agent ?? task.agent;
  if (task.status === 'assigned' && agent === task.agent) {
    if (options.json) writeJson(input, task);
    else input.io.stdout.write(`${task.id} is already assigned to ${task.agent}: ${task.path}\n`);
    return 0;
  }
  const moved = await store.transition(id, { to: 'assigned', agent }, task.revision);
  return report(input, options.json, moved, 'Assigned');
}

/** `tasks retry ID`: a failed task back to assigned/<agent>/, its error cleared. */
export async function runRetry(input: CommandInput): Promise<number> {
  const options = commandOptions(input, z.object({ json: z.boolean().optional() }));
  const id = idArgument(input, 'retry');
  const { store } = await commandStore(input);
  const task = await taskToMove(store, id);
  const moved = await store.transition(id, { to: 'assigned', retry: true }, task.revision);
  return report(input, options.json, moved, 'Sent back');
}
