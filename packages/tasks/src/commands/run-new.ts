import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  lazySchema,
  taskPriorities,
  UsageError,
  z,
  type CommandInput,
  type TaskPriority,
} from '@llm-service/spec';
import { closestMatch } from '@llm-service/plugin-kit';
import { MAX_TASK_FILE_BYTES } from '../file/schema.js';
import { commandOptions, commandStore, writeJson } from './command-store.js';

const newOptions = lazySchema(() =>
  z.object({
    agent: z.string().optional(),
    title: z.string().optional(),
    priority: z.string().optional(),
    taskType: z.string().optional(),
    descriptionFile: z.string().optional(),
    dependsOn: z.array(z.string()).optional(),
    assign: z.boolean().optional(),
    json: z.boolean().optional(),
  }),
);

async function readDescription(path: string): Promise<string> {
  try {
    const bytes = await readFile(resolve(process.cwd(), path));
    if (bytes.byteLength > MAX_TASK_FILE_BYTES / 2)
      throw new UsageError(`--description-file ${path} is larger than 512 KiB`, {
        hint: 'name long material in context.files instead of copying it into the task',
      });
    return bytes.toString('utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `--description-file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      {
        hint: 'give the path of a markdown file, relative to the current directory',
      },
    );
  }
}

/** `tasks new`: writes a task file to inbox/ (or assigned/<agent>/ with --assign) and prints where. */
export async function runNew(input: CommandInput): Promise<number> {
  const options = commandOptions(input, newOptions);
  if (!options.agent)
    throw new UsageError('tasks new needs --agent NAME', { hint: 'the agent the task is for' });
  if (!options.title)
    throw new UsageError('tasks new needs --title TEXT', { hint: 'one line saying what is to be done' });
  if (options.priority !== undefined && !(taskPriorities as readonly string[]).includes(options.priority)) {
    const match = closestMatch(options.priority, taskPriorities);
    throw new UsageError(`--priority ${options.priority}: not a priority`, {
      hint: `${match ? `did you mean '${match}'? ` : ''}use ${taskPriorities.join(', ')}`,
    });
  }
  const description = options.descriptionFile ? await readDescription(options.descriptionFile) : undefined;
  const { store } = await commandStore(input);
  const task = await store.create({
    agent: options.agent,
    title: options.title,
    ...(options.priority ? { priority: options.priority as TaskPriority } : {}),
    ...(options.taskType ? { taskType: options.taskType } : {}),
    ...(description ? { description } : {}),
    ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),
    ...(options.assign ? { assign: true } : {}),
  });
  if (options.json) writeJson(input, task);
  else input.io.stdout.write(`Created ${task.id} (${task.status}) in ${task.path}\n`);
  return 0;
}
