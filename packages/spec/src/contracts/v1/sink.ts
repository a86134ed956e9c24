import type { Billing } from './plan-windows.js';
import type { CostSource, LlmServiceEvent, RecordedCost } from '../../events/events.js';
import type { PolicyDecision } from './policy.js';
import type { AttemptSummary } from './kernel-handle.js';
import type { Candidate, RouteReason } from './routing.js';
import type { DisposeOptions } from '../../plugin/define-plugin.js';

/**
 * One attempt, as the kernel recorded it when it ended (plugin API 1.7): everything a store keeps of it in one
 * record, so a sink need not put it together from the attempt's events.
 */
export interface AttemptRecordV1 {
  invocationId: string;
  chainId: string;
  attempt: number;
  project: string;
  taskId?: string;
  agent: string;
  taskType?: string;
  tool: string;
  model: string;
  reason: RouteReason;
  /**
   * How the tool is paid for (plugin API 1.9); absent in records of older kernels, which means `api`. Independent of
   * `cost.costSource`: a subscription's attempt still records what it would have cost at list price.
   */
  billing?: Billing;
  /** The model the route planned before a policy chose another: what `savings` compares against. */
  baselineModel: string;
  /** What the attempt's usage would have cost on `baselineModel`, when it has prices. */
  baselineCostUsd?: number;
  /** ISO 8601. */
  startedAt: string;
  finishedAt: string;
  latencyMs: number;
  status: 'success' | 'failed' | 'timeout' | 'cancelled';
  /** The adapter failure's kind, for an attempt that did not succeed. */
  errorKind?: string;
  /** What went wrong; for a success, why its cost is an estimate, when it is one. */
  message?: string;
  /** What it used and cost; undefined for a failure that spent nothing. `costSource` `unknown`: no figure. */
  cost?: RecordedCost;
  exitCode?: number;
  sessionId?: string;
  turns?: number;
  promptSha256: string;
  promptBytes: number;
  pid: number;
  forceReason?: string;
  /** The answer of a successful attempt (a sink keeps it only when told to capture content). */
  text?: string;
}

/** A policy's decision on a candidate, in the order the request met it (plugin API 1.7). */
export interface PolicyDecisionRecordV1 {
  policy: string;
  candidate: Candidate;
  /** The attempt number when it was decided (0 before the first attempt). */
  attempt: number;
  action: PolicyDecision['action'];
  message?: string;
  rewrittenTo?: Candidate;
}

/** A request, as the kernel finished it (plugin API 1.7). */
export interface RequestRecordV1 {
  invocationId: string;
  chainId: string;
  project: string;
  taskId?: string;
  agent: string;
  taskType?: string;
  promptSha256: string;
  promptBytes: number;
  startedAt: string;
  finishedAt: string;
  latencyMs: number;
  status: 'success' | 'failed' | 'blocked' | 'cancelled';
  /** What its attempts cost, failed ones included. */
  costUsd: number;
  /** The cost source of the attempt that answered, for a success. */
  costSource?: CostSource;
  /** The candidates as planned, in order. */
  planned: readonly Candidate[];
  /** Every attempt, and every candidate a policy blocked (`status: skipped`). */
  attempts: readonly AttemptSummary[];
  decisions: readonly PolicyDecisionRecordV1[];
  /** The block that ended the request, for `status: blocked`. */
  blockedBy?: { policy: string; candidate: Candidate; message: string };
}

/** A subscriber that records what the kernel does somewhere (SQLite, JSONL, an audit log). */
export interface TelemetrySinkV1 {
  readonly specificationVersion: 'v1';
  readonly id: string;
  /** Called synchronously for every event; slow work must be queued, never done here. */
  handle(event: LlmServiceEvent): void;
  /**
   * Plugin API 1.7: an attempt ended. Called synchronously, before `flush` and before the kernel settles what a
   * policy holds for the attempt; slow work must be queued.
   */
  recordAttempt?(record: AttemptRecordV1): void;
  /** Plugin API 1.7: a request ended, however it ended. Called synchronously; slow work must be queued. */
  recordRequest?(record: RequestRecordV1): void;
  /**
   * Commits what was handed over so far. Rejects when any of it could not be recorded: the kernel settles an
   * attempt's budget reservation only after every sink's flush resolved, so a cost is never released unrecorded.
   */
  flush(): Promise<void>;
  /** Flushes and closes; `options` (plugin API 1.12) says whether the process ends right after. */
  dispose(options?: DisposeOptions): Promise<void>;
}
