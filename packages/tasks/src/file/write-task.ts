import type { TaskChangeV1, TaskErrorV1, TaskResultV1, TaskStatus, TaskV1 } from '@llm-service/spec';
import { Document, isScalar, type Document as YamlDocument } from 'yaml';
import { isoSeconds } from './layout.js';
import { deleteField, printTaskYaml, setField } from './yaml-edit.js';

/** `TaskResultV1` as the file spells it. */
export function resultToFile(result: TaskResultV1): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    summary: result.summary,
    artefacts: result.artefacts === undefined ? undefined : [...result.artefacts],
    next_agent: result.nextAgent,
    next_task_title: result.nextTaskTitle,
    next_task_notes: result.nextTaskNotes,
    tool: result.tool,
    model: result.model,
    attempts: result.attempts,
    tokens:
      result.tokens === undefined
        ? undefined
        : {
            input: result.tokens.input,
            output: result.tokens.output,
            cache_read: result.tokens.cacheRead,
            cache_write: result.tokens.cacheWrite,
          },
    cost_usd: result.costUsd,
    chain_id: result.chainId,
    answer: result.answer,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** `TaskErrorV1` as the file spells it. */
export function errorToFile(error: TaskErrorV1): Record<string, unknown> {
  return {
    message: error.message,
    kind: error.kind,
    ...(error.attempts === undefined ? {} : { attempts: error.attempts }),
    at: error.at,
  };
}

/**
 * Applies a move to a task file's document: the status, the agent, the stamp of the new status, and the result and
 * error the change carries. Everything else (comments, order, the team's own keys) stays as it is. The caller has
 * already checked that the move is allowed.
 */
export function applyChange(document: YamlDocument, task: TaskV1, change: TaskChangeV1, now: Date): void {
  const at = isoSeconds(now);
  setField(document, [], 'status', change.to);
  if (change.agent !== undefined && change.agent !== task.agent)
    setField(document, [], 'agent', change.agent);
  const stamps: Partial<Record<TaskStatus, string>> = {
    assigned: 'assigned_at',
    in_progress: 'started_at',
    done: 'completed_at',
    error: 'completed_at',
  };
  const stamp = stamps[change.to];
  if (stamp) setField(document, [], stamp, at);
  if (change.to === 'assigned') {
    // A task handed (back) to an agent has not started, finished or failed in this round.
    for (const key of ['started_at', 'completed_at', 'error']) deleteField(document, [], key);
  }
  // A note left by the last put-back (interrupted, unblocked) is over once the task runs again or is done.
  if (change.to === 'in_progress' || change.to === 'done') deleteField(document, [], 'error');
  if (change.result) {
    const old = document.get('result', true);
    // The old shape's text result becomes the summary of the map it turns into.
    if (isScalar(old) && typeof old.value === 'string')
      setField(document, [], 'result', { summary: old.value });
    for (const [key, value] of Object.entries(resultToFile(change.result)))
      setField(document, ['result'], key, value);
  }
  if (change.error) setField(document, [], 'error', errorToFile(change.error));
  else if (change.to === 'error' && task.error === undefined)
    setField(document, [], 'error', errorToFile({ message: 'marked as failed', kind: 'manual', at }));
}

export interface NewTaskFields {
  id: string;
  agent: string;
  status: 'new' | 'assigned';
  title: string;
  priority: string;
  taskType?: string | undefined;
  description?: string | undefined;
  acceptanceCriteria?: readonly string[] | undefined;
  context?: { notes?: string | undefined; files?: readonly string[] | undefined } | undefined;
  dependsOn?: readonly string[] | undefined;
  createdAt: string;
}

/** The text of a new task file, its keys in the format's order. */
export function newTaskText(fields: NewTaskFields): string {
  const context: Record<string, unknown> = {};
  if (fields.context?.notes) context.notes = fields.context.notes;
  if (fields.context?.files && fields.context.files.length > 0) context.files = [...fields.context.files];
  const data: Record<string, unknown> = {
    id: fields.id,
    agent: fields.agent,
    status: fields.status,
    title: fields.title,
    priority: fields.priority,
    ...(fields.taskType ? { task_type: fields.taskType } : {}),
    ...(fields.description ? { description: fields.description } : {}),
    ...(fields.acceptanceCriteria && fields.acceptanceCriteria.length > 0
      ? { acceptance_criteria: [...fields.acceptanceCriteria] }
      : {}),
    ...(Object.keys(context).length > 0 ? { context } : {}),
    ...(fields.dependsOn && fields.dependsOn.length > 0 ? { depends_on: [...fields.dependsOn] } : {}),
    created_at: fields.createdAt,
    ...(fields.status === 'assigned' ? { assigned_at: fields.createdAt } : {}),
  };
  return printTaskYaml(new Document(data));
}
