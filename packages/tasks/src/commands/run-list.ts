import {
  lazySchema,
  taskStatuses,
  UsageError,
  z,
  type CommandInput,
  type TaskStatus,
} from '@llm-service/spec';
import { closestMatch } from '@llm-service/plugin-kit';
import { commandOptions, commandStore, writeJson } from './command-store.js';
import { printable, renderTaskTable } from './render.js';

const listOptions = lazySchema(() =>
  z.object({
    status: z.array(z.string()).optional(),
    agent: z.string().optional(),
    json: z.boolean().optional(),
  }),
);

/** `--status a,b --status c` → the statuses, each checked (with a did-you-mean). */
export function parseStatuses(values: readonly string[] | undefined): TaskStatus[] | undefined {
  if (values === undefined) return undefined;
  const statuses = values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
  for (const status of statuses) {
    if (!(taskStatuses as readonly string[]).includes(status)) {
      const match = closestMatch(status, taskStatuses);
      throw new UsageError(`--status ${status}: not a task status`, {
        hint: `${match ? `did you mean '${match}'? ` : ''}use ${taskStatuses.join(', ')}`,
      });
    }
  }
  return statuses as TaskStatus[];
}

/** `tasks list`: the tasks, most urgent first; files that cannot be read are named on stderr (and in --json). */
export async function runList(input: CommandInput): Promise<number> {
  const options = commandOptions(input, listOptions);
  const status = parseStatuses(options.status);
  const { store } = await commandStore(input);
  const listing = await store.list({
    ...(status ? { status } : {}),
    ...(options.agent ? { agent: options.agent } : {}),
  });
  if (options.json) {
    writeJson(input, { workDir: store.workDir, tasks: listing.tasks, problems: listing.problems });
    return 0;
  }
  if (listing.tasks.length === 0)
    input.io.stdout.write(`No tasks${status || options.agent ? ' match' : ''} in ${store.workDir}.\n`);
  else input.io.stdout.write(renderTaskTable(listing.tasks));
  for (const problem of listing.problems)
    input.io.stderr.write(`llm-service: warning: skipped ${printable(problem.message)}\n`);
  const warned = listing.tasks.filter((task) => task.warnings.length > 0).length;
  if (warned > 0 || listing.problems.length > 0)
    input.io.stderr.write(
      `llm-service: ${warned > 0 ? `${warned} task${warned === 1 ? ' has' : 's have'} warnings; ` : ''}` +
        '`llm-service tasks validate` lists every problem\n',
    );
  return 0;
}
