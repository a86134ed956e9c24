import { taskPriorities, taskStatuses, type CommandOptionV1, type CommandV1 } from '@llm-service/spec';

/**
 * The `tasks` commands, declared statically (so `--help` lists them without loading a configuration); each one's
 * code loads when it runs. Every command takes `--work-dir` (relative to the config directory, like
 * `tasks.work_dir`).
 */
const workDirOption: CommandOptionV1 = {
  flags: '--work-dir <dir>',
  description:
    'the task directory, relative to the config directory (default: tasks.work_dir, else work/collaboration)',
};
const jsonOption = (shape: string): CommandOptionV1 => ({
  flags: '--json',
  description: `print ${shape} as JSON (shapes in docs/tasks.md)`,
});
const idArgument = { name: 'id', required: true, description: "the task's id (its file name without .yaml)" };

export const tasksListCommand: CommandV1 = {
  specificationVersion: 'v1',
  name: 'tasks list',
  summary:
    'list the tasks of the work directory, most urgent first (files that cannot be read are named on stderr)',
  options: [
    {
      flags: '--status <status...>',
      description: `only tasks with these statuses (${taskStatuses.join(', ')}; repeat or separate with commas)`,
      choices: taskStatuses,
    },
    { flags: '--agent <name>', description: "only this agent's tasks" },
    jsonOption('{ tasks, problems }'),
    workDirOption,
  ],
  async run(input) {
    const { runList } = await import('./run-list.js');
    return runList(input);
  },
};

export const tasksShowCommand: CommandV1 = {
  specificationVersion: 'v1',
  name: 'tasks show',
  summary: 'show one task: its fields, result, error and warnings',
  arguments: [idArgument],
  options: [jsonOption('the task'), workDirOption],
  async run(input) {
    const { runShow } = await import('./run-show.js');
    return runShow(input);
  },
};

export const tasksNewCommand: CommandV1 = {
  specificationVersion: 'v1',
  name: 'tasks new',
  summary: 'write a new task file to inbox/ (or, with --assign, to assigned/<agent>/)',
  options: [
    { flags: '--agent <name>', description: 'the agent the task is for (required)' },
    { flags: '--title <text>', description: 'one line saying what is to be done (required)' },
    {
      flags: '--priority <priority>',
      description: `${taskPriorities.join(', ')} (default normal)`,
      choices: taskPriorities,
    },
    { flags: '--task-type <type>', description: "the task type the agent's request runs with" },
    { flags: '--description-file <file>', description: "the task's description (markdown), from this file" },
    { flags: '--depends-on <id...>', description: 'ids of tasks that must be done first (repeatable)' },
    { flags: '--assign', description: 'assign it to the agent at once' },
    jsonOption('the new task'),
    workDirOption,
  ],
  async run(input) {
    const { runNew } = await import('./run-new.js');
    return runNew(input);
  },
};

export const tasksAssignCommand: CommandV1 = {
  specificationVersion: 'v1',
  name: 'tasks assign',
  summary: 'assign a new or blocked task to its agent (or to --agent), moving it to assigned/<agent>/',
  arguments: [idArgument],
  options: [
    { flags: '--agent <name>', description: 'hand it to this agent instead' },
    jsonOption('the task'),
    workDirOption,
  ],
  async run(input) {
    const { runAssign } = await import('./run-move.js');
    return runAssign(input);
  },
};

export const tasksRetryCommand: CommandV1 = {
  specificationVersion: 'v1',
  name: 'tasks retry',
  summary: 'send a failed task back to assigned/<agent>/, clearing its error',
  arguments: [idArgument],
  options: [jsonOption('the task'), workDirOption],
  async run(input) {
    const { runRetry } = await import('./run-move.js');
    return runRetry(input);
  },
};

export const tasksValidateCommand: CommandV1 = {
  specificationVersion: 'v1',
  name: 'tasks validate',
  summary: 'check every task file and report every problem as file:line:col (exit 2 when any is wrong)',
  options: [jsonOption('{ errors, warnings, problems }'), workDirOption],
  async run(input) {
    const { runValidate } = await import('./run-validate.js');
    return runValidate(input);
  },
};

export const tasksMigrateCommand: CommandV1 = {
  specificationVersion: 'v1',
  name: 'tasks migrate',
  summary: 'rewrite task files of the old shape (created, updated, a text result) in the current one',
  options: [
    { flags: '--dry-run', description: 'say what would change, write nothing' },
    jsonOption('{ migrated, unchanged, problems }'),
    workDirOption,
  ],
  async run(input) {
    const { runMigrate } = await import('./run-migrate.js');
    return runMigrate(input);
  },
};

/** `tasks run`: declared here; the runner itself lives in src/runner/. */
export const tasksRunCommand: CommandV1 = {
  specificationVersion: 'v1',
  name: 'tasks run',
  summary: 'run assigned tasks: each agent works its tasks through exec, handing off to the next agent',
  options: [
    { flags: '--agent <name...>', description: "only these agents' tasks (repeatable)" },
    { flags: '--concurrency <n>', description: 'how many tasks run at once' },
    { flags: '--once', description: 'run what is assigned now, then stop' },
    { flags: '--watch', description: 'keep running tasks as they are assigned, until Ctrl-C' },
    { flags: '--max-tasks <n>', description: 'stop after this many tasks' },
    { flags: '--dry-run', description: 'say what would run, run nothing' },
    { flags: '--json', description: 'print what ran as JSON' },
    workDirOption,
  ],
  async run(input) {
    const { runTasks } = await import('../runner/run-tasks.js');
    return runTasks(input);
  },
};

export const tasksCommands: readonly CommandV1[] = [
  tasksListCommand,
  tasksShowCommand,
  tasksNewCommand,
  tasksAssignCommand,
  tasksRetryCommand,
  tasksValidateCommand,
  tasksMigrateCommand,
  tasksRunCommand,
];
