import type { AdapterErrorKind } from '../errors/adapter-error.js';
import type { Usage } from '../contracts/v1/adapter.js';
import type { Candidate, RouteReason } from '../contracts/v1/routing.js';
import type { Billing, PlanWindowReading } from '../contracts/v1/plan-windows.js';

interface EventBase {
  invocationId: string;
  chainId: string;
  /** 1-based attempt number within the invocation; 0 for request-level events. */
  attempt: number;
  /** ISO 8601 time the event was emitted. */
  at: string;
}

/**
 * Where a recorded cost came from: the tool's own report, the price table applied to the reported usage, an estimate
 * (plugin API 1.3: counted when the tool reported a figure that cannot be true; 1.4: the price of usage a cost
 * estimator counted for a tool that reports none), or (1.4) `unknown`: the tool reported no usage and no loaded plugin
 * estimates it. An unknown cost is recorded as unknown (no figure), never as $0.
 */
export type CostSource = 'tool' | 'computed' | 'estimated' | 'unknown';

export interface RequestReceivedEvent extends EventBase {
  type: 'request.received';
  /** The project the request belongs to (plugin API 1.4): `project:` of llm-service.yaml, or its default. */
  project: string;
  /** The task it works on, when it runs one (plugin API 1.5). */
  taskId?: string;
  agent: string;
  taskType: string | undefined;
  /** Plain SHA-256 of the prompt bytes; sinks that persist it key it with their own secret. */
  promptSha256: string;
  promptBytes: number;
}

export interface RoutePlannedEvent extends EventBase {
  type: 'route.planned';
  agent: string;
  candidates: readonly Candidate[];
  /** The plan's notice, when it has one (a task type the agent does not define); shown on stderr by the CLI. */
  notice?: string;
}

export interface PolicyDecidedEvent extends EventBase {
  type: 'policy.decided';
  policy: string;
  candidate: Candidate;
  action: 'allow' | 'warn' | 'confirm' | 'rewrite' | 'block';
  message?: string;
  rewrittenTo?: Candidate;
  /** Figures behind a rewrite (e.g. `promptTokens` and `thresholdTokens`), as the policy gave them. */
  details?: Readonly<Record<string, string | number | boolean>>;
}

export interface InvocationStartedEvent extends EventBase {
  type: 'invocation.started';
  /** The request's project (plugin API 1.4). */
  project: string;
  /** The request's task, when it runs one (plugin API 1.5). */
  taskId?: string;
  agent: string;
  taskType: string | undefined;
  tool: string;
  model: string;
  reason: RouteReason;
  /** How the tool is paid for (plugin API 1.9). */
  billing: Billing;
  /** The model the agent asked for before any rewrite, for savings reports. */
  baselineModel: string;
  pid: number;
  promptSha256: string;
  promptBytes: number;
  /** Why the run went ahead with `--force`; recorded with the invocation. */
  forceReason: string | undefined;
}

export interface InvocationOutputEvent extends EventBase {
  type: 'invocation.output';
  text: string;
}

export interface InvocationSucceededEvent extends EventBase {
  type: 'invocation.succeeded';
  agent: string;
  tool: string;
  model: string;
  reason: RouteReason;
  usage: Usage;
  costUsd: number;
  costSource: CostSource;
  computedCostUsd: number;
  priceHash: string;
  baselineModel: string;
  baselineCostUsd: number | undefined;
  latencyMs: number;
  exitCode: number;
  sessionId: string | undefined;
  turns: number | undefined;
  /** Why the cost is an estimate (what the tool reported instead), when `costSource` is `estimated`. */
  costNote?: string;
  /** The full answer; sinks drop it unless content capture is on. */
  text: string;
}

/** What an attempt spent, as it is recorded: its usage, the cost counted, and where that figure came from. */
export interface RecordedCost {
  usage: Usage;
  /** The figure counted against budgets: the tool's own when it reported one, else computed from models.yaml. */
  costUsd: number;
  costSource: CostSource;
  computedCostUsd: number;
  priceHash: string;
  /** Why the cost is an estimate (what the tool reported instead), when `costSource` is `estimated`. */
  note?: string;
}

export interface InvocationFailedEvent extends EventBase {
  type: 'invocation.failed';
  agent: string;
  tool: string;
  model: string;
  reason: RouteReason;
  /** One of `adapterErrorKinds`; a newer adapter may report a kind this spec does not know. */
  errorKind: AdapterErrorKind;
  message: string;
  latencyMs: number;
  exitCode: number | undefined;
  /** What the attempt spent before it failed (a paid turn, a budget cap reached), when the tool reported it. */
  cost?: RecordedCost;
  /**
   * When the limit lifts, for a `rate-limit` or `plan-limit` failure whose tool said (plugin API 1.9; ISO 8601): the
   * telemetry plugin holds a tool that failed with `plan-limit` until then.
   */
  resetsAt?: string;
}

export interface FallbackUsedEvent extends EventBase {
  type: 'fallback.used';
  from: { tool: string; model: string };
  /** Undefined when the skipped candidate was the last one. */
  to: Candidate | undefined;
  /** Why the previous candidate was left: an adapter error kind, or `policy`. */
  cause: AdapterErrorKind | 'policy';
  message: string;
}

export interface BudgetWarnedEvent extends EventBase {
  type: 'budget.warned';
  policy: string;
  candidate: Candidate;
  message: string;
}

export interface BudgetBlockedEvent extends EventBase {
  type: 'budget.blocked';
  policy: string;
  candidate: Candidate;
  message: string;
  hints: readonly string[];
  endsRequest: boolean;
  /** When the block lifts, when the policy said (plugin API 1.9): a plan window's reset. */
  resumeAt?: string;
}

/** A program said where one of its plan's windows stands (plugin API 1.9). */
export interface LimitsObservedEvent extends EventBase, PlanWindowReading {
  type: 'limits.observed';
  /** The tool's id in tools.yaml. */
  tool: string;
  account?: string;
}

export interface RequestCompletedEvent extends EventBase {
  type: 'request.completed';
  agent: string;
  status: 'success' | 'failed' | 'blocked' | 'cancelled';
  costUsd: number;
  latencyMs: number;
  attempts: number;
}

/** What every task event carries (plugin API 1.5): task events belong to a task, not to one request. */
interface TaskEventBase {
  at: string;
  taskId: string;
  agent: string;
  /** The chain the task's requests run in, once known. */
  chainId?: string;
}

export interface TaskCreatedEvent extends TaskEventBase {
  type: 'task.created';
  title: string;
  status: 'new' | 'assigned';
  /** The task whose hand-off created it. */
  from?: string;
}

export interface TaskAssignedEvent extends TaskEventBase {
  type: 'task.assigned';
  /** Why it was (re)assigned: a retry, an interrupted run put back, a budget period that rolled over. */
  note?: string;
}

export interface TaskStartedEvent extends TaskEventBase {
  type: 'task.started';
}

export interface TaskCompletedEvent extends TaskEventBase {
  type: 'task.completed';
  costUsd: number;
  attempts: number;
  answer: string;
  nextAgent?: string;
}

export interface TaskFailedEvent extends TaskEventBase {
  type: 'task.failed';
  kind: string;
  message: string;
}

export interface TaskBlockedEvent extends TaskEventBase {
  type: 'task.blocked';
  message: string;
}

export type TaskEvent =
  | TaskCreatedEvent
  | TaskAssignedEvent
  | TaskStartedEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | TaskBlockedEvent;

export type LlmServiceEvent =
  | RequestReceivedEvent
  | RoutePlannedEvent
  | PolicyDecidedEvent
  | InvocationStartedEvent
  | InvocationOutputEvent
  | InvocationSucceededEvent
  | InvocationFailedEvent
  | FallbackUsedEvent
  | BudgetWarnedEvent
  | BudgetBlockedEvent
  | LimitsObservedEvent
  | RequestCompletedEvent
  | TaskEvent;

/** The events of one request and its attempts: every one carries `invocationId`, `chainId` and `attempt`. */
export type RequestEvent = Exclude<LlmServiceEvent, TaskEvent>;

export type LlmServiceEventType = LlmServiceEvent['type'];
export type EventOfType<T extends LlmServiceEventType> = Extract<LlmServiceEvent, { type: T }>;
