import { LlmServiceError, type ErrorCode } from '@llm-service/spec';

/**
 * Why the board refused a change. `status` is the HTTP status the server answers with, so the mapping lives next to
 * the reason rather than in every route; `code` is stable for callers that cannot rely on `instanceof`.
 */
export class TaskBoardError extends LlmServiceError {
  readonly status: number;
  constructor(code: ErrorCode, status: number, message: string) {
    super(code, message);
    this.name = 'TaskBoardError';
    this.status = status;
  }
}

/** The key names no file the board indexed under its work directory. */
export class UnknownTaskError extends TaskBoardError {
  readonly key: string;
  constructor(key: string, reason = 'no task file with this key is on the board') {
    super('E_TASK_UNKNOWN', 404, `${JSON.stringify(key)}: ${reason}`);
    this.name = 'UnknownTaskError';
    this.key = key;
  }
}

/** The file on disk is not the version the caller saw; writing would lose someone else's edit. */
export class TaskConflictError extends TaskBoardError {
  readonly key: string;
  constructor(key: string) {
    super(
      'E_TASK_CONFLICT',
      409,
      `${key} changed on disk since the page loaded; reload to see it, then change the priority again`,
    );
    this.name = 'TaskConflictError';
    this.key = key;
  }
}

export class InvalidPriorityError extends TaskBoardError {
  constructor(reason: string) {
    super('E_TASK_PRIORITY', 400, `invalid priority: ${reason}`);
    this.name = 'InvalidPriorityError';
  }
}

/** The file does not parse as a task, so rewriting it could only make things worse. */
export class MalformedTaskError extends TaskBoardError {
  readonly key: string;
  constructor(key: string, parseError: string) {
    super('E_TASK_MALFORMED', 422, `${key} is malformed, fix it by hand first: ${parseError}`);
    this.name = 'MalformedTaskError';
    this.key = key;
  }
}
