/**
 * What the dashboard's server sends the page: the JSON of its API and of its server-sent events. The page's code
 * imports these types too, so both sides agree on one shape. Fields are only ever added.
 */
import type { AggregateRow, BudgetStatusV1, InvocationRecord } from '@llm-service/spec';

/**
 * One attempt of one invocation, as the feed shows it; `key` is `<invocationId>#<attempt>`. Since plugin API 1.4 the
 * record carries `project`, `message` (what went wrong, or the note on an estimated cost) and `forceReason`; a cost
 * whose `costSource` is `unknown` has `costUsd` null (the page shows "unknown", never $0).
 */
export interface InvocationRow extends InvocationRecord {
  key: string;
}

/** The columns of the task board, left to right. */
export const TASK_COLUMNS = ['inbox', 'assigned', 'in_progress', 'blocked', 'done', 'error'] as const;
export type TaskColumn = (typeof TASK_COLUMNS)[number];

/** One YAML task file under the work directory. */
export interface TaskCard {
  /** The file's path relative to the work directory, with `/` separators: the card's identity. */
  key: string;
  column: TaskColumn;
  /** Why the card is flagged (directory and status disagree, the file does not parse), or null. */
  flag: string | null;
  /** The parse or validation error of a malformed file, with its line where known. */
  parseError: string | null;
  id: string | null;
  agent: string | null;
  status: string | null;
  title: string | null;
  priority: string | null;
  /** Markdown source; the page shows `descriptionHtml`. */
  description: string | null;
  /** The description rendered to HTML by the server with raw HTML disabled and links checked. */
  descriptionHtml: string | null;
  created: string | null;
  updated: string | null;
  result: string | null;
  error: string | null;
  /** A hash of the file's bytes when indexed: a priority change names it and is refused if the file has changed. */
  version: string;
}

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
  workDir: string;
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

/** The priorities a card's menu offers, highest first; a file may hold any string, shown as it is. */
export const TASK_PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
