import type {
  AttemptSummary,
  Candidate,
  CostEstimatorV1,
  CostSource,
  ExecOptions,
  ExecRequest,
  LlmServiceEvent,
  PolicyDecisionRecordV1,
  RecordedCost,
  ResolvedConfig,
} from '@llm-service/spec';
import { monotonicMs } from '@llm-service/plugin-kit';
import type { PluginHost } from '../../plugin/plugin-host.js';

/** What a request uses of the plugin host: the policies, the adapters, and the sinks' commit. */
export type RequestHost = Pick<
  PluginHost,
  'policies' | 'adapters' | 'commitSinks' | 'recordAttempt' | 'recordRequest'
>;

export interface KernelLogger {
  warn(message: string): void;
  debug?(message: string): void;
}

/** What a request's steps need of the kernel: the loaded configuration and plugins, the bus, and its options. */
export interface RequestContext {
  config: ResolvedConfig;
  host: RequestHost;
  emit: (event: LlmServiceEvent) => void;
  env: Readonly<Record<string, string | undefined>>;
  logger: KernelLogger;
  /** Asks the user a yes/no question; absent without a terminal. */
  confirm: ((message: string) => Promise<boolean>) | undefined;
  /** The cost estimator some plugin provides, looked up when first needed. */
  estimator: () => Promise<CostEstimatorV1 | undefined>;
}

/** The request as it runs: what was asked, with its prompt built and its ids given. Never changes. */
export interface PreparedRequest {
  request: ExecRequest;
  invocationId: string;
  chainId: string;
  prompt: Uint8Array;
  promptSha256: string;
  signal: AbortSignal;
  onText: ExecOptions['onText'];
  /** `monotonicMs()` when it started. */
  startedAt: number;
  /** ISO 8601, when it started. */
  startedAtIso: string;
}

/** Why a policy stopped a candidate. */
export interface Blocked {
  message: string;
  hints: readonly string[];
  endsRequest: boolean;
  /** When the block lifts, when the policy said (a plan window's reset). */
  resumeAt?: string;
}

export type RequestStatus = 'success' | 'failed' | 'blocked' | 'cancelled';

/**
 * What a request has done so far: its attempts and what they spent, the policies' decisions, the hints of its
 * failures, whether any answer reached the caller. The steps of a request record into it; `complete` ends the
 * request once: `request.completed` for subscribers, and the request's record for the sinks.
 */
export class RequestLog {
  readonly attempts: AttemptSummary[] = [];
  /** What the user can do about the failures so far (log in, wait for a reset), once each. */
  readonly hints = new Set<string>();
  readonly #decisions: PolicyDecisionRecordV1[] = [];
  #planned: readonly Candidate[] = [];
  #lastBlock: { policy: string; candidate: Candidate; message: string } | undefined;
  /** Each skipped candidate's `resumeAt`, in order. */
  readonly #blockedUntil: (string | undefined)[] = [];
  #answerCostSource: CostSource | undefined;
  /** What the attempts cost so far (failed ones included: an escalated request pays for both). */
  #spentUsd = 0;
  #attempt = 0;
  #outputStarted = false;
  #completed = false;
  readonly #prepared: PreparedRequest;
  readonly #context: RequestContext;

  constructor(prepared: PreparedRequest, context: RequestContext) {
    this.#prepared = prepared;
    this.#context = context;
  }

  /** The number of the attempt about to start (attempts are numbered across candidates, from 1). */
  nextAttempt(): number {
    return ++this.#attempt;
  }

  /** The number of the last attempt (0 before the first). */
  get attempt(): number {
    return this.#attempt;
  }

  get outputStarted(): boolean {
    return this.#outputStarted;
  }

  /** An answer byte reached the caller: the request can no longer fall back or escalate. */
  outputHasStarted(): void {
    this.#outputStarted = true;
  }

  /** The fields every event of this request starts with. */
  base(attempt: number): { invocationId: string; chainId: string; attempt: number; at: string } {
    const { invocationId, chainId } = this.#prepared;
    return { invocationId, chainId, attempt, at: new Date().toISOString() };
  }

  planned(candidates: readonly Candidate[]): void {
    this.#planned = candidates;
  }

  recordDecision(decision: Omit<PolicyDecisionRecordV1, 'attempt'>): void {
    this.#decisions.push({ ...decision, attempt: this.#attempt });
  }

  /** A policy blocked a candidate; the last block is what ended a request that ends blocked. */
  recordBlock(policy: string, candidate: Candidate, message: string): void {
    this.#lastBlock = { policy, candidate, message };
  }

  recordAttempt(summary: AttemptSummary, cost: RecordedCost | undefined): void {
    this.attempts.push(summary);
    if (cost) this.#spentUsd += cost.costUsd;
    if (summary.status === 'success') this.#answerCostSource = cost?.costSource;
  }

  /**
   * When a request that every policy block ended could run again: the soonest time one of its blocks lifts, when
   * every block said when (one that did not, a dollar budget say, may not lift for the request at all).
   */
  get resumeAt(): string | undefined {
    const times = this.#blockedUntil;
    if (times.length === 0 || times.includes(undefined)) return undefined;
    return (times as string[]).reduce((soonest, time) =>
      Date.parse(time) < Date.parse(soonest) ? time : soonest,
    );
  }

  /** A candidate a policy blocked: listed among the attempts, as skipped. */
  recordSkipped(candidate: Candidate, blocked: Blocked): void {
    this.#blockedUntil.push(blocked.resumeAt);
    this.attempts.push({
      attempt: this.#attempt,
      tool: candidate.tool,
      model: candidate.model,
      reason: candidate.reason,
      status: 'skipped',
      errorKind: 'policy',
      message: blocked.message,
      latencyMs: 0,
    });
  }

  /** Ends the request for subscribers and sinks: every `request.received` gets one `request.completed`. */
  complete(status: RequestStatus): void {
    if (this.#completed) return;
    this.#completed = true;
    const { request } = this.#prepared;
    const latencyMs = Math.round(monotonicMs() - this.#prepared.startedAt);
    const ended = this.base(0);
    this.#context.emit({
      type: 'request.completed',
      ...ended,
      agent: request.agent,
      status,
      costUsd: this.#spentUsd,
      latencyMs,
      attempts: this.#attempt,
    });
    this.#context.host.recordRequest(
      {
        invocationId: this.#prepared.invocationId,
        chainId: this.#prepared.chainId,
        project: this.#context.config.project,
        ...(request.taskId === undefined ? {} : { taskId: request.taskId }),
        agent: request.agent,
        ...(request.taskType === undefined ? {} : { taskType: request.taskType }),
        promptSha256: this.#prepared.promptSha256,
        promptBytes: this.#prepared.prompt.length,
        startedAt: this.#prepared.startedAtIso,
        finishedAt: ended.at,
        latencyMs,
        status,
        costUsd: this.#spentUsd,
        ...(status === 'success' && this.#answerCostSource ? { costSource: this.#answerCostSource } : {}),
        planned: this.#planned,
        attempts: [...this.attempts],
        decisions: [...this.#decisions],
        ...(status === 'blocked' && this.#lastBlock ? { blockedBy: this.#lastBlock } : {}),
      },
      (name, error) => warnFailed(this.#context.logger, name, error),
    );
  }
}

export function warnFailed(logger: KernelLogger, name: string, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  logger.warn(`warning: ${name} failed: ${reason}`);
}
