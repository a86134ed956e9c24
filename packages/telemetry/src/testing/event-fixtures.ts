import type { CostSource, EventOfType, LlmServiceEvent, Usage } from '@llm-service/spec';

/** Builds the events the kernel emits for one request, with explicit times, for sink and query tests. */
export class RequestEvents {
  readonly invocationId: string;
  readonly chainId: string;
  readonly agent: string;
  readonly project: string;
  readonly taskId: string | undefined;
  readonly taskType: string | undefined;
  readonly promptSha256: string;
  pid = 4242;

  constructor(
    options: {
      invocationId?: string;
      chainId?: string;
      agent?: string;
      project?: string;
      taskId?: string;
      taskType?: string;
      promptSha256?: string;
    } = {},
  ) {
    this.invocationId = options.invocationId ?? `inv-${Math.random().toString(36).slice(2)}`;
    this.chainId = options.chainId ?? `chain-${this.invocationId}`;
    this.agent = options.agent ?? 'architect';
    this.project = options.project ?? 'default';
    this.taskId = options.taskId;
    this.taskType = options.taskType;
    this.promptSha256 = options.promptSha256 ?? 'a'.repeat(64);
  }

  #base(attempt: number, at: string) {
    return { invocationId: this.invocationId, chainId: this.chainId, attempt, at };
  }

  received(at: string, promptBytes = 400): EventOfType<'request.received'> {
    return {
      type: 'request.received',
      ...this.#base(0, at),
      project: this.project,
      ...(this.taskId === undefined ? {} : { taskId: this.taskId }),
      agent: this.agent,
      taskType: this.taskType,
      promptSha256: this.promptSha256,
      promptBytes,
    };
  }

  planned(at: string, candidates: { tool: string; model: string }[]): EventOfType<'route.planned'> {
    return {
      type: 'route.planned',
      ...this.#base(0, at),
      agent: this.agent,
      candidates: candidates.map((candidate, index) => ({
        ...candidate,
        reason: index === 0 ? 'preferred' : 'fallback',
      })),
    };
  }

  started(
    attempt: number,
    at: string,
    candidate: { tool: string; model: string; reason?: EventOfType<'invocation.started'>['reason'] },
  ): EventOfType<'invocation.started'> {
    return {
      type: 'invocation.started',
      ...this.#base(attempt, at),
      project: this.project,
      ...(this.taskId === undefined ? {} : { taskId: this.taskId }),
      agent: this.agent,
      taskType: this.taskType,
      tool: candidate.tool,
      model: candidate.model,
      forceReason: undefined,
      reason: candidate.reason ?? (attempt === 1 ? 'preferred' : 'fallback'),
      baselineModel: candidate.model,
      pid: this.pid,
      promptSha256: this.promptSha256,
      promptBytes: 400,
    };
  }

  succeeded(
    attempt: number,
    at: string,
    candidate: { tool: string; model: string },
    details: {
      usage?: Partial<Usage>;
      costUsd?: number;
      computedCostUsd?: number;
      costSource?: CostSource;
      latencyMs?: number;
      baselineModel?: string;
      baselineCostUsd?: number;
      text?: string;
    } = {},
  ): EventOfType<'invocation.succeeded'> {
    const computed = details.computedCostUsd ?? details.costUsd ?? 0.01;
    return {
      type: 'invocation.succeeded',
      ...this.#base(attempt, at),
      agent: this.agent,
      tool: candidate.tool,
      model: candidate.model,
      reason: attempt === 1 ? 'preferred' : 'fallback',
      usage: {
        inputTokens: 100,
        outputTokens: 50,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        ...details.usage,
      },
      costUsd: details.costUsd ?? computed,
      costSource: details.costSource ?? 'computed',
      computedCostUsd: computed,
      priceHash: 'abcdef123456',
      baselineModel: details.baselineModel ?? candidate.model,
      baselineCostUsd: details.baselineCostUsd ?? computed,
      latencyMs: details.latencyMs ?? 1000,
      exitCode: 0,
      sessionId: 'session-1',
      turns: 1,
      text: details.text ?? 'the answer',
    };
  }

  failed(
    attempt: number,
    at: string,
    candidate: { tool: string; model: string },
    errorKind: EventOfType<'invocation.failed'>['errorKind'],
    message = 'it failed',
    latencyMs = 500,
  ): EventOfType<'invocation.failed'> {
    return {
      type: 'invocation.failed',
      ...this.#base(attempt, at),
      agent: this.agent,
      tool: candidate.tool,
      model: candidate.model,
      reason: attempt === 1 ? 'preferred' : 'fallback',
      errorKind,
      message,
      latencyMs,
      exitCode: 1,
    };
  }

  blocked(
    attempt: number,
    at: string,
    candidate: { tool: string; model: string },
    message: string,
    endsRequest = true,
  ): EventOfType<'budget.blocked'> {
    return {
      type: 'budget.blocked',
      ...this.#base(attempt, at),
      policy: 'budget',
      candidate: { ...candidate, reason: 'preferred' },
      message,
      hints: ['raise the limit'],
      endsRequest,
    };
  }

  completed(
    at: string,
    status: EventOfType<'request.completed'>['status'],
    attempts: number,
  ): EventOfType<'request.completed'> {
    return {
      type: 'request.completed',
      ...this.#base(0, at),
      agent: this.agent,
      status,
      costUsd: 0,
      latencyMs: 0,
      attempts,
    };
  }

  /** A whole successful request of one attempt. */
  success(
    at: string,
    candidate: { tool: string; model: string },
    details: Parameters<RequestEvents['succeeded']>[3] = {},
  ): LlmServiceEvent[] {
    const latency = details.latencyMs ?? 1000;
    const end = new Date(Date.parse(at) + latency).toISOString();
    return [
      this.received(at),
      this.planned(at, [candidate]),
      this.started(1, at, candidate),
      this.succeeded(1, end, candidate, details),
      this.completed(end, 'success', 1),
    ];
  }
}
