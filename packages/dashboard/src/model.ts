/**
 * What the dashboard's server sends the page: the JSON of its API and of its server-sent events. The page's code
 * imports these types too, so both sides agree on one shape; the two ship together, in one package.
 */
import type {
  AggregateRow,
  BudgetStatusV1,
  InvocationRecord,
  PlanWindowStatusV1,
  TaskPriority,
} from '@llm-service/spec';

/**
 * One attempt of one invocation, as the feed shows it; `key` is `<invocationId>#<attempt>`. Since plugin API 1.4 the
 * record carries `project`, `message` (what went wrong, or the note on an estimated cost) and `forceReason`; a cost
 * whose `costSource` is `unknown` has `costUsd` null (the page shows "unknown", never $0).
 */
export interface InvocationRow extends InvocationRecord {
  key: string;
}

/** The columns of the task board, left to right: a task's status, with `new` shown as Inbox. */
export const TASK_COLUMNS = ['inbox', 'assigned', 'in_progress', 'blocked', 'done', 'error'] as const;
export type TaskColumn = (typeof TASK_COLUMNS)[number];

/**
 * What a task has spent: from telemetry while it is not done (every attempt so far, the running one counted as
 * running), from its `result` once the runner wrote it (summed over every attempt, fallbacks included).
 */
export interface TaskSpend {
  source: 'telemetry' | 'result';
  attempts: number;
  /** Attempts running now (telemetry only). */
  running: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  /** Part of the cost is estimated (the tool reported no usage): the page shows `~$`. */
  estimated: boolean;
  /** Attempts whose cost is unknown, so not in `costUsd`. */
  unknownCosts: number;
  /** The tool and model of the latest attempt. */
  tool: string | null;
  model: string | null;
}

/**
 * One task of the task store (`TaskStoreV1`), or one task file it cannot read. The server builds these from the
 * store's tasks; the page never reads a task file.
 */
export interface TaskCard {
  /** The task's id; `file:<path>` for a file that cannot be read as a task. */
  key: string;
  column: TaskColumn;
  /** The file, relative to the work directory. */
  path: string;
  /** Why the file cannot be read as a task (`file:line:col: field: what is wrong; how to fix`), or null. */
  problem: string | null;
  /** What the file does not quite say right but was read anyway (an old shape, a near-miss key). */
  warnings: string[];
  id: string | null;
  agent: string | null;
  status: string | null;
  title: string | null;
  priority: string | null;
  taskType: string | null;
  /** Markdown source; the page shows `descriptionHtml`. */
  description: string | null;
  /** The description rendered to HTML by the server with raw HTML disabled and links checked. */
  descriptionHtml: string | null;
  acceptanceCriteria: string[];
  notes: string | null;
  contextFiles: string[];
  dependsOn: string[];
  createdAt: string | null;
  assignedAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  result: {
    summary: string | null;
    artefacts: string[];
    nextAgent: string | null;
    chainId: string | null;
    /** The answer file, relative to the work directory: the detail view loads it rendered. */
    answer: string | null;
  } | null;
  error: { message: string; kind: string; attempts: number | null; at: string } | null;
  spend: TaskSpend | null;
  /** The file's revision: a change names it and is refused if the file changed since. */
  revision: string;
}

/** GET /api/tasks/:id/answer: the answer a run wrote, rendered like a description. */
export interface TaskAnswer {
  id: string;
  /** null while the task has no answer. */
  html: string | null;
}

/** The board part of a snapshot: the store's work directory and agents, or why there is no board. */
export type BoardInfo =
  { available: true; workDir: string; agents: string[] } | { available: false; reason: string };

/** A day of spend for one group (a model or an agent). */
export interface SpendPoint {
  day: string;
  group: string;
  costUsd: number;
}

export interface SpendSnapshot {
  at: string;
  totals: { todayUsd: number; weekUsd: number; monthUsd: number };
  /** This month: what the requests would have cost on the models agents asked for, and what they cost. */
  savings: { baselineUsd: number; actualUsd: number; savedUsd: number };
  /** null when no loaded plugin reports budgets (the policy plugin does). */
  budgets: BudgetStatusV1[] | null;
  /**
   * Each tool's plan windows (a subscription's five-hour and weekly allowances), the latest reading of each with its
   * age as of `at` and any hold on the tool; sorted by tool, then window. null when no loaded plugin reports them
   * (the policy plugin does, from the windows the telemetry plugin records); empty when none was observed yet.
   */
  windows: PlanWindowStatusV1[] | null;
  byModel: SpendPoint[];
  byAgent: SpendPoint[];
  /** This month's totals by model and by agent, for the legends. */
  modelTotals: AggregateRow[];
  agentTotals: AggregateRow[];
  /** How long the aggregates took on the server. */
  computeMs: number;
  /**
   * Attempts today, this week and this month whose cost is unknown (the tool reported no usage and no plugin
   * estimates it): not in the totals above, which are then a lower bound.
   */
  unknownCosts: { today: number; week: number; month: number };
}

/** GET /api/snapshot: everything the page shows, so a (re)loading page starts from one consistent state. */
export interface DashboardSnapshot {
  /** The event id the snapshot is current to: the page's event stream resumes after it. */
  lastEventId: string;
  invocations: InvocationRow[];
  spend: SpendSnapshot;
  tasks: TaskCard[];
  board: BoardInfo;
  /** The config's project (its `project:`, or the default): the page names it in its header. */
  project: string;
  /**
   * false (the default): the invocations and spend are `project`'s only. true (`dashboard --all-projects`): every
   * project's, and the page offers a project filter.
   */
  allProjects: boolean;
}

/** The server-sent events; the SSE `event:` field is `type`, `data:` is the JSON of `data`. */
export type DashboardEvent =
  | { type: 'invocation'; data: InvocationRow }
  | { type: 'task'; data: TaskCard }
  | { type: 'task-removed'; data: { key: string } }
  | { type: 'spend'; data: SpendSnapshot }
  /** The events the page missed are no longer kept (or the server restarted): it must load /api/snapshot again. */
  | { type: 'reset'; data: { reason: string } };

/**
 * The priorities a task may have, most urgent first: the spec's `taskPriorities`, spelled out here so the page's
 * bundle does not take in the spec package (a test checks the two agree).
 */
export const TASK_PRIORITIES = [
  'critical',
  'high',
  'medium',
  'normal',
  'low',
] as const satisfies readonly TaskPriority[];
