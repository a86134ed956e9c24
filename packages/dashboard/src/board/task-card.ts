import type { TaskFileProblemV1, TaskResultV1, TaskStatus, TaskV1 } from '@llm-service/spec';
import type { TaskCard, TaskColumn, TaskSpend } from '../model.js';
import { renderMarkdown } from './markdown.js';

const columnOfStatus: Record<TaskStatus, TaskColumn> = {
  new: 'inbox',
  assigned: 'assigned',
  in_progress: 'in_progress',
  blocked: 'blocked',
  done: 'done',
  error: 'error',
};

/** The card of a task; `spend` is what telemetry knows of it, used until the runner wrote the result's figures. */
export function taskCard(task: TaskV1, telemetrySpend: TaskSpend | null): TaskCard {
  return {
    key: task.id,
    column: columnOfStatus[task.status],
    path: task.path,
    problem: null,
    warnings: [...task.warnings],
    id: task.id,
    agent: task.agent,
    status: task.status,
    title: task.title,
    priority: task.priority,
    taskType: task.taskType ?? null,
    description: task.description ?? null,
    descriptionHtml: task.description ? renderMarkdown(task.description) : null,
    acceptanceCriteria: [...task.acceptanceCriteria],
    notes: task.context.notes ?? null,
    contextFiles: [...task.context.files],
    dependsOn: [...task.dependsOn],
    createdAt: task.createdAt,
    assignedAt: task.assignedAt ?? null,
    startedAt: task.startedAt ?? null,
    completedAt: task.completedAt ?? null,
    result: task.result
      ? {
          summary: task.result.summary ?? null,
          artefacts: [...(task.result.artefacts ?? [])],
          nextAgent: task.result.nextAgent ?? null,
          chainId: task.result.chainId ?? null,
          answer: task.result.answer ?? null,
        }
      : null,
    error: task.error
      ? {
          message: task.error.message,
          kind: task.error.kind,
          attempts: task.error.attempts ?? null,
          at: task.error.at,
        }
      : null,
    spend: spendOfResult(task) ?? telemetrySpend,
    revision: task.revision,
  };
}

/** Whether telemetry is where this task's spend comes from: until the runner has written the result's figures. */
export function needsTelemetrySpend(task: TaskV1): boolean {
  return spendOfResult(task) === null;
}

/** The figures the runner wrote when the task was done: summed over every attempt, so they are the task's cost. */
function spendOfResult(task: TaskV1): TaskSpend | null {
  const result: TaskResultV1 | undefined = task.result;
  if (task.status !== 'done' || result?.costUsd === undefined) return null;
  return {
    source: 'result',
    attempts: result.attempts ?? 0,
    running: 0,
    inputTokens: result.tokens?.input ?? 0,
    outputTokens: result.tokens?.output ?? 0,
    cacheReadTokens: result.tokens?.cacheRead ?? 0,
    cacheWriteTokens: result.tokens?.cacheWrite ?? 0,
    costUsd: result.costUsd,
    estimated: false,
    unknownCosts: 0,
    tool: result.tool ?? null,
    model: result.model ?? null,
  };
}

/** A file the store cannot read as a task: shown in the column of its folder, never changed from the page. */
export function problemCard(problem: TaskFileProblemV1): TaskCard {
  const folder = problem.path.split('/')[0];
  const column: TaskColumn = folder === 'assigned' ? 'assigned' : folder === 'done' ? 'done' : 'inbox';
  return {
    key: `file:${problem.path}`,
    column,
    path: problem.path,
    problem: problem.message,
    warnings: [],
    id: null,
    agent: null,
    status: null,
    title: null,
    priority: null,
    taskType: null,
    description: null,
    descriptionHtml: null,
    acceptanceCriteria: [],
    notes: null,
    contextFiles: [],
    dependsOn: [],
    createdAt: null,
    assignedAt: null,
    startedAt: null,
    completedAt: null,
    result: null,
    error: null,
    spend: null,
    revision: '',
  };
}
