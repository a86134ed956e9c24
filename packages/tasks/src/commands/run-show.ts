import { lazySchema, z, type CommandInput } from '@llm-service/spec';
import { closestMatch } from '@llm-service/plugin-kit';
import { TaskError } from '../errors.js';
import { commandOptions, commandStore, idArgument, writeJson } from './command-store.js';
import { renderTask } from './render.js';

const showOptions = lazySchema(() => z.object({ json: z.boolean().optional() }));

/** `tasks show ID`: one task; a file that cannot be read as a task is an error naming its problems. */
export async function runShow(input: CommandInput): Promise<number> {
  const options = commandOptions(input, showOptions);
  const id = idArgument(input, 'show');
  const { store } = await commandStore(input);
  const found = await store.find(id);
  if (!found.task) {
    if (found.problems.length > 0)
      throw new TaskError(
        'E_TASK_MALFORMED',
        `task file ${found.problems.map((problem) => problem.message).join('\n  ')}`,
        {
          taskId: id,
          hint: 'fix the file by hand (`llm-service tasks validate` lists every problem)',
        },
      );
    const match = closestMatch(id, await store.ids());
    throw new TaskError('E_TASK_UNKNOWN', `no task '${id}' in ${store.workDir}`, {
      taskId: id,
      hint: match ? `did you mean '${match}'?` : 'list the tasks with `llm-service tasks list`',
    });
  }
  if (options.json) writeJson(input, found.task);
  else input.io.stdout.write(renderTask(found.task));
  return 0;
}
