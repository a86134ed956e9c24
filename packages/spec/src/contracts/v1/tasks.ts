/**
 * The task board as a contract (plugin API 1.5): a team's YAML task files under a work directory, provided by the
 * tasks plugin and read by the runner, the CLI's `tasks` commands and the dashboard, so one parser, one schema and
 * one set of transition rules serve them all. Field names are the TypeScript spellings of the file's snake_case keys.
 */

export const taskStatuses = ['new', 'assigned', 'in_progress', 'blocked', 'done', 'error'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/** Most urgent first: the runner takes tasks in this order, then oldest first. */
export const taskPriorities = ['critical', 'high', 'medium', 'normal', 'low'] as const;
export type TaskPriority = (typeof taskPriorities)[number];

/**
 * The moves a task may make. `in_progress → assigned` puts back a task whose run was interrupted; `done` and `error`
 * are final, except that `retry` sends an `error` task back to `assigned`.
 */
export const taskTransitions: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  new: ['assigned', 'error'],
  assigned: ['in_progress', 'blocked', 'error'],
  in_progress: ['done', 'blocked', 'error', 'assigned'],
  blocked: ['assigned', 'error'],
  done: [],
  error: [],
};

export interface TaskTokensV1 {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** What a run produced: the answer's own hand-off fields, then what the runner recorded. */
export interface TaskResultV1 {
  summary?: string;
  /** Paths (relative to the project) the work produced or changed. */
  artefacts?: readonly string[];
  /** The agent that takes over: the runner creates its task, depending on this one, in the same chain. */
  nextAgent?: string;
  nextTaskTitle?: string;
  nextTaskNotes?: string;
  tool?: string;
  model?: string;
  /** Attempts of every request the task ran (fallbacks and escalations included). */
  attempts?: number;
  tokens?: TaskTokensV1;
  /** Summed over every attempt of the task. */
  costUsd?: number;
  chainId?: string;
  /** The answer file, relative to the work directory. */
  answer?: string;
}

export interface TaskErrorV1 {
  message: string;
  /** An adapter failure kind, `policy` for a budget, `interrupted`, or another short word. */
  kind: string;
  attempts?: number;
  /** ISO 8601 UTC. */
  at: string;
}

export interface TaskV1 {
  /** Equal to the file's stem. */
  id: string;
  agent: string;
  status: TaskStatus;
  title: string;
  priority: TaskPriority;
  taskType?: string;
  /** Markdown. */
  description?: string;
  acceptanceCriteria: readonly string[];
  context: { notes?: string; files: readonly string[] };
  dependsOn: readonly string[];
  createdAt: string;
  assignedAt?: string;
  startedAt?: string;
  completedAt?: string;
  result?: TaskResultV1;
  error?: TaskErrorV1;
  /** The file, relative to the work directory, with `/` separators. */
  path: string;
  /** A hash of the file's bytes: a transition names the revision it was decided on, and a changed file refuses it. */
  revision: string;
  /** What the file does not quite say right (an old shape, a key close to a known one): read anyway. */
  warnings: readonly string[];
}

/** A task file that cannot be read as a task: reported, skipped, never rewritten. */
export interface TaskFileProblemV1 {
  /** Relative to the work directory. */
  path: string;
  line?: number;
  column?: number;
  /** `file:line:col: field: what is wrong; how to fix`. */
  message: string;
}

export interface TaskListingV1 {
  tasks: readonly TaskV1[];
  problems: readonly TaskFileProblemV1[];
}

export interface NewTaskV1 {
  agent: string;
  title: string;
  priority?: TaskPriority;
  taskType?: string;
  description?: string;
  acceptanceCriteria?: readonly string[];
  context?: { notes?: string; files?: readonly string[] };
  dependsOn?: readonly string[];
  /** Write it to `assigned/<agent>/` as `assigned` instead of to `inbox/` as `new`. */
  assign?: boolean;
}

/** A move of one task; `result` and `error` are written with it. */
export interface TaskChangeV1 {
  to: TaskStatus;
  /** Hand it to this agent (with `to: 'assigned'`). */
  agent?: string;
  result?: TaskResultV1;
  error?: TaskErrorV1;
  /** Allows `error → assigned`: `tasks retry`, which also clears the error. */
  retry?: boolean;
}

/** What may change of a task without moving it (plugin API 1.6): the page's priority menu, a person's edit. */
export interface TaskEditV1 {
  priority?: TaskPriority;
}

export interface TaskStoreV1 {
  readonly specificationVersion: 'v1';
  /** The absolute work directory the store reads. */
  readonly workDir: string;
  list(filter?: { status?: readonly TaskStatus[]; agent?: string }): Promise<TaskListingV1>;
  get(id: string): Promise<TaskV1 | undefined>;
  create(task: NewTaskV1): Promise<TaskV1>;
  /**
   * Moves a task only if its file is still at `expectedRevision` and the move is allowed; rejects with
   * `E_TASK_CONFLICT` when the file changed meanwhile and `E_TASK_TRANSITION` when the move is not allowed.
   */
  transition(id: string, change: TaskChangeV1, expectedRevision: string): Promise<TaskV1>;
  /** Calls `onChange` when any task may have changed; returns the function that stops watching. */
  watch(onChange: () => void): () => void;
  /**
   * Plugin API 1.6: changes what `edit` names, in place, only if the file is still at `expectedRevision`
   * (`E_TASK_CONFLICT` otherwise); the task keeps its status and folder. Optional: a 1.5 store has none.
   */
  edit?(id: string, edit: TaskEditV1, expectedRevision: string): Promise<TaskV1>;
  /**
   * Plugin API 1.6: the answer a run wrote for the task (`result.answer`), read inside the work directory; undefined
   * while there is none. Readers show it without knowing where a runner keeps its answers.
   */
  readAnswer?(id: string): Promise<string | undefined>;
  /**
   * Plugin API 1.6: the same store (agents, project, event bus) on another work directory, absolute: what a
   * `--work-dir` flag asks of a store the kernel made on the configuration's.
   */
  atWorkDir?(workDir: string): TaskStoreV1;
}
