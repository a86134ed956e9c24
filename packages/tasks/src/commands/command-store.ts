import { lazySchema, UsageError, z, type CommandInput, type ResolvedConfig } from '@llm-service/spec';
import { parseSettings } from '@llm-service/plugin-kit';
import { resolveTaskSettings, type TaskSettings } from '../settings.js';
import { FileTaskStore } from '../store/task-store.js';

const workDirOption = lazySchema(() =>
  z.object({ workDir: z.string().min(1, '--work-dir must not be empty').optional() }),
);

/** Options as the command line gave them, checked: `schema` lists the command's own. */
export function commandOptions<S extends z.ZodObject>(input: CommandInput, schema: S): z.output<S> {
  return parseSettings(schema, input.options, 'the options') as z.output<S>;
}

/**
 * The store a command works on: the configuration's work directory (or `--work-dir`), its agents, and the kernel's
 * event bus, so `task.created` and `task.assigned` reach the same subscribers for a command as for the runner.
 */
export async function commandStore(
  input: CommandInput,
): Promise<{ store: FileTaskStore; config: ResolvedConfig; settings: TaskSettings }> {
  const { workDir } = parseSettings(workDirOption, input.options, 'the options');
  const kernel = await input.kernel();
  const config = await kernel.config();
  const settings = resolveTaskSettings(config, { workDir });
  const store = new FileTaskStore({
    workDir: settings.workDir,
    projectDir: settings.projectDir,
    agents: Object.keys(config.agents),
    emit: (event) => kernel.events.emit(event),
  });
  return { store, config, settings };
}

/** The one argument of `show`, `assign` and `retry`. */
export function idArgument(input: CommandInput, command: string): string {
  const id = input.args[0];
  if (typeof id !== 'string' || id === '')
    throw new UsageError(`tasks ${command} needs the task's id`, {
      hint: `e.g. llm-service tasks ${command} ID`,
    });
  return id;
}

export function writeJson(input: CommandInput, value: unknown): void {
  input.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
