import { ExitCode, LlmServiceError } from '@llm-service/spec';

/**
 * The tasks plugin's error codes. Each is documented in docs/troubleshooting.md with its exit code: 2 when the fix is
 * in the command or the file (a move that is not allowed, an unknown id, a file to repair by hand), 1 when the
 * command was right and running it again is the fix (the file changed meanwhile, another process held the lock).
 */
export const TaskErrorCode = {
  /** The file changed since the revision the caller decided on. Exit 1: read it again and decide again. */
  conflict: 'E_TASK_CONFLICT',
  /** The move is not one of `taskTransitions` (or needs `retry`). Exit 2. */
  transition: 'E_TASK_TRANSITION',
  /** No task file has this id. Exit 2. */
  unknown: 'E_TASK_UNKNOWN',
  /** The task's file cannot be read as a task; it is never rewritten. Exit 2. */
  malformed: 'E_TASK_MALFORMED',
  /** Another process kept the work directory's lock too long. Exit 1. */
  locked: 'E_TASK_LOCKED',
  /** A folder the task would be written to is a link: nothing is written through one. Exit 2. */
  outside: 'E_TASK_OUTSIDE',
} as const;
export type TaskErrorCode = (typeof TaskErrorCode)[keyof typeof TaskErrorCode];

/** An error of the task store; recognise it by `code` (or `LlmServiceError.isInstance`), never by `instanceof`. */
export class TaskError extends LlmServiceError {
  /** The task the error is about, when there is one. */
  readonly taskId: string | undefined;
  constructor(
    code: TaskErrorCode,
    message: string,
    options: { taskId?: string; hint?: string; cause?: unknown } = {},
  ) {
    const exitCode =
      code === 'E_TASK_CONFLICT' || code === 'E_TASK_LOCKED' ? ExitCode.requestFailed : ExitCode.usage;
    super(code, message, { exitCode, hint: options.hint, cause: options.cause });
    this.name = 'TaskError';
    this.taskId = options.taskId;
  }
}
