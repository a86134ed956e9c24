import type {
  AttemptRecordV1,
  AttemptSummary,
  Billing,
  Candidate,
  CostSource,
  EventOfType,
  LlmServiceEvent,
  TelemetrySinkV1,
  Usage,
} from '@llm-service/spec';

/** Builds the events the kernel emits for one request, with explicit times, for sink and query tests. */
export class RequestEvents {
  readonly invocationId: string;
  readonly chainId: string;
  readonly agent: string;
  readonly project: string;
  readonly taskId: string | undefined;
  readonly taskType: string | undefined;
  readonly promptSha256: string;
  readonly billing: Billing;
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
      billing?: Billing;
    } = {},
  ) {
    this.invocationId = options.invocationId ?? `inv-${Math.random().toString(36).slice(2)}`;
    this.chainId = options.chainId ?? `chain-${this.invocationId}`;
    this.agent = options.agent ?? 'architect';
    this.project = options.project ?? 'default';
    this.taskId = options.taskId;
    this.taskType = options.taskType;
    this.promptSha256 = options.promptSha256 ?? 'a'.repeat(64);
    this.billing = options.billing ?? 'api';
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
      billing: this.billing,
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

type SinkCalls = Pick<TelemetrySinkV1, 'handle'> &
  Partial<Pick<TelemetrySinkV1, 'recordAttempt' | 'recordRequest'>>;

/**
 * Delivers a request's events to a sink as a kernel of plugin API 1.7 does: every event to `handle`, and at the end
 * of each attempt and of the request, its record, built from what the events said (for tests that describe a request
 * by its events, as the fixtures above do).
 */
export class KernelDelivery {
  readonly #sink: SinkCalls;
  readonly #starts = new Map<string, EventOfType<'invocation.started'>>();
  readonly #requests = new Map<
    string,
    {
      received: EventOfType<'request.received'>;
      planned: Candidate[];
      attempts: AttemptSummary[];
      block: EventOfType<'budget.blocked'> | undefined;
    }
  >();

  constructor(sink: SinkCalls) {
    this.#sink = sink;
  }

  deliver(...events: readonly LlmServiceEvent[]): void {
    for (const event of events) this.#deliver(event);
  }

  #deliver(event: LlmServiceEvent): void {
    this.#sink.handle(event);
    const request = 'invocationId' in event ? this.#requests.get(event.invocationId) : undefined;
    switch (event.type) {
      case 'request.received':
        this.#requests.set(event.invocationId, {
          received: event,
          planned: [],
          attempts: [],
          block: undefined,
        });
        break;
      case 'route.planned':
        if (request) request.planned = [...event.candidates];
        break;
      case 'invocation.started':
        this.#starts.set(`${event.invocationId}#${event.attempt}`, event);
        break;
      case 'budget.blocked':
        if (request) request.block = event;
        break;
      case 'invocation.succeeded':
      case 'invocation.failed': {
        const started = this.#starts.get(`${event.invocationId}#${event.attempt}`);
        const record = attemptRecord(event, started);
        request?.attempts.push({
          attempt: event.attempt,
          tool: event.tool,
          model: event.model,
          reason: event.reason,
          status: event.type === 'invocation.succeeded' ? 'success' : 'failed',
          ...(event.type === 'invocation.failed'
            ? { errorKind: event.errorKind, message: event.message }
            : {}),
          latencyMs: event.latencyMs,
        });
        this.#sink.recordAttempt?.(record);
        break;
      }
      case 'request.completed': {
        if (!request) break;
        const { received } = request;
        this.#sink.recordRequest?.({
          invocationId: event.invocationId,
          chainId: event.chainId,
          project: received.project ?? 'default',
          ...(received.taskId === undefined ? {} : { taskId: received.taskId }),
          agent: received.agent,
          ...(received.taskType === undefined ? {} : { taskType: received.taskType }),
          promptSha256: received.promptSha256,
          promptBytes: received.promptBytes,
          startedAt: received.at,
          finishedAt: event.at,
          latencyMs: event.latencyMs,
          status: event.status,
          costUsd: event.costUsd,
          planned: request.planned,
          attempts: request.attempts,
          decisions: [],
          ...(event.status === 'blocked' && request.block
            ? {
                blockedBy: {
                  policy: request.block.policy,
                  candidate: request.block.candidate,
                  message: request.block.message,
                },
              }
            : {}),
        });
        this.#requests.delete(event.invocationId);
        break;
      }
      default:
        break;
    }
  }
}

function attemptRecord(
  event: EventOfType<'invocation.succeeded'> | EventOfType<'invocation.failed'>,
  started: EventOfType<'invocation.started'> | undefined,
): AttemptRecordV1 {
  const base = {
    invocationId: event.invocationId,
    chainId: event.chainId,
    attempt: event.attempt,
    project: started?.project ?? 'default',
    ...(started?.taskId === undefined ? {} : { taskId: started.taskId }),
    agent: event.agent,
    ...(started?.taskType === undefined ? {} : { taskType: started.taskType }),
    tool: event.tool,
    model: event.model,
    reason: event.reason,
    baselineModel: started?.baselineModel ?? event.model,
    startedAt: started?.at ?? new Date(Date.parse(event.at) - event.latencyMs).toISOString(),
    finishedAt: event.at,
    latencyMs: event.latencyMs,
    promptSha256: started?.promptSha256 ?? 'a'.repeat(64),
    promptBytes: started?.promptBytes ?? 400,
    pid: started?.pid ?? 4242,
    ...(started?.forceReason === undefined ? {} : { forceReason: started.forceReason }),
    ...(started === undefined ? {} : { billing: started.billing }),
  };
  if (event.type === 'invocation.succeeded') {
    return {
      ...base,
      status: 'success',
      ...(event.costNote === undefined ? {} : { message: event.costNote }),
      cost: {
        usage: event.usage,
        costUsd: event.costUsd,
        costSource: event.costSource,
        computedCostUsd: event.computedCostUsd,
        priceHash: event.priceHash,
        ...(event.costNote === undefined ? {} : { note: event.costNote }),
      },
      baselineModel: event.baselineModel,
      ...(event.baselineCostUsd === undefined ? {} : { baselineCostUsd: event.baselineCostUsd }),
      exitCode: event.exitCode,
      ...(event.sessionId === undefined ? {} : { sessionId: event.sessionId }),
      ...(event.turns === undefined ? {} : { turns: event.turns }),
      text: event.text,
    };
  }
  return {
    ...base,
    status:
      event.errorKind === 'timeout' ? 'timeout' : event.errorKind === 'cancelled' ? 'cancelled' : 'failed',
    errorKind: event.errorKind,
    message: event.cost?.note === undefined ? event.message : `${event.message} (${event.cost.note})`,
    ...(event.cost ? { cost: event.cost } : {}),
    ...(event.exitCode === undefined ? {} : { exitCode: event.exitCode }),
  };
}

const deliveries = new WeakMap<SinkCalls, KernelDelivery>();

/** Delivers events to a sink as the kernel does (see {@link KernelDelivery}), remembering each sink's requests. */
export function deliver(sink: SinkCalls, ...events: readonly LlmServiceEvent[]): void {
  let delivery = deliveries.get(sink);
  if (!delivery) {
    delivery = new KernelDelivery(sink);
    deliveries.set(sink, delivery);
  }
  delivery.deliver(...events);
}
