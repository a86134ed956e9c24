/**
 * `@llm-service/tasks`: the team's YAML task files under a work directory, as a task store (`TaskStoreV1`), with the
 * `tasks` commands. Usage from a runner, a command or a test:
 *
 * ```ts
 * import { createTaskStore, resolveTaskSettings } from '@llm-service/tasks';
 *
 * const config = await kernel.config();
 * const { workDir, projectDir } = resolveTaskSettings(config, { workDir: flags.workDir });
 * const store = createTaskStore({
 *   workDir,
 *   projectDir,
 *   agents: Object.keys(config.agents),
 *   // With `emit`, the store emits task.created on create and task.assigned/started/completed/failed/blocked on each
 *   // move. A caller that emits its own, richer task events (the runner: `from`, notes) leaves `emit` out.
 *   emit: (event) => kernel.events.emit(event),
 * });
 * const { tasks, problems } = await store.list({ status: ['assigned'] }); // problems: files skipped, never rewritten
 * const started = await store.transition(tasks[0].id, { to: 'in_progress' }, tasks[0].revision);
 * ```
 *
 * In a kernel with this plugin loaded, `kernel.service(TaskStoreToken)` gives a store on the configuration's work
 * directory that emits on the kernel's bus (the commands' stores do too). Read `context.files` with
 * `readContextFile(projectDir, path)`, which checks each path again at the moment it reads.
 */
import { definePlugin, TaskStoreToken } from '@llm-service/spec';
import { tasksCommands } from './commands/definitions.js';
import { LazyTaskStore } from './lazy-task-store.js';
import { checkTasksSection, resolveTaskSettings, tasksSectionSchema } from './settings.js';
import { FileTaskStore, type TaskStoreOptions } from './store/task-store.js';

export {
  tasksAssignCommand,
  tasksCommands,
  tasksListCommand,
  tasksMigrateCommand,
  tasksNewCommand,
  tasksRetryCommand,
  tasksRunCommand,
  tasksShowCommand,
  tasksValidateCommand,
} from './commands/definitions.js';
export { TaskError, TaskErrorCode } from './errors.js';
export {
  checkTasksSection,
  DEFAULT_MAX_HANDOFFS,
  DEFAULT_WORK_DIR,
  resolveProjectDir,
  resolveTaskSettings,
  resolveWorkDir,
  tasksSectionOf,
  tasksSectionSchema,
  type TaskSettings,
  type TasksSection,
} from './settings.js';
export {
  FileTaskStore,
  type MigrationReport,
  type TaskDirectoryRead,
  type TaskStoreOptions,
  type ValidationReport,
} from './store/task-store.js';
export {
  checkContextFile,
  normalizeContextPath,
  readContextFile,
  type ContextFileCheck,
} from './store/context-files.js';
export { LOCK_FILE, withWorkDirLock } from './store/lock.js';
// The task file: reading, writing, layout.
export {
  parseTaskFile,
  revisionOf,
  stampKeyOf,
  type OldShapeFeature,
  type ParsedTaskFile,
  type ParseTaskOptions,
} from './file/parse-task-file.js';
export {
  applyChange,
  errorToFile,
  newTaskText,
  resultToFile,
  type NewTaskFields,
} from './file/write-task.js';
export { migrateDocument } from './file/migrate.js';
export { parseTaskYaml, printTaskYaml, setField, deleteField } from './file/yaml-edit.js';
export { formatIssue, type IssueSeverity, type TaskFileIssue } from './file/issues.js';
export { isIsoUtc, MAX_TASK_FILE_BYTES, taskFileSchema } from './file/schema.js';
export { normalizeTimestamp } from './file/timestamps.js';
export {
  folderOfStatus,
  isoSeconds,
  keyFor,
  locate,
  newTaskStem,
  slugOf,
  statusesOfFolder,
  taskFolders,
  type TaskFolder,
  type TaskLocation,
} from './file/layout.js';

/** The task store over `options.workDir`: see {@link FileTaskStore}. */
export function createTaskStore(options: TaskStoreOptions): FileTaskStore {
  return new FileTaskStore(options);
}

/**
 * The tasks plugin: the `tasks:` section of llm-service.yaml (work_dir, templates, max_handoffs), the `tasks`
 * commands, and `TaskStoreV1` on the configuration's work directory (made on first use; it emits task events on the
 * kernel's bus). Nothing is read until a command or a caller asks.
 */
const plugin = definePlugin({
  name: '@llm-service/tasks',
  version: '0.1.0',
  // TaskStoreToken and the task events are plugin API 1.5.
  apiVersion: '^1.5.0',
  provides: [TaskStoreToken],
  commands: tasksCommands,
  configSchema: {
    sections: { tasks: tasksSectionSchema },
    check: checkTasksSection,
  },
  register(context) {
    // The store's code (the task file's schema, parser, writer, migrations, YAML editing) loads at its first call.
    // Made here, it ran at every CLI start, which always loads this plugin though almost none touches a task: the
    // CLI's bundle drops its static import (this package has no side effects) and keeps the `import()`. Measured in
    // `exec`, interleaved against the eager store: about 3 ms less CPU loading the bundle, 1 to 1.5 ms less before
    // the tool starts (some of the work, such as loading `crypto`, only moves later). It rests on `sideEffects: false`
    // in package.json: listing the dist chunks there, as telemetry does to quiet esbuild's ignored-bare-import
    // warnings, puts the store back into every start (measured: the bundle's CPU back to the eager store's).
    context.services.provideFactory(TaskStoreToken, () => {
      const settings = resolveTaskSettings(context.config);
      return new LazyTaskStore({
        workDir: settings.workDir,
        projectDir: settings.projectDir,
        agents: Object.keys(context.config.agents),
        emit: (event) => context.events.emit(event),
      });
    });
  },
});

export default plugin;
