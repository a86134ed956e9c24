import {
  AdapterError,
  isAdapterError,
  emptyUsage,
  type AttemptRecordV1,
  type AttemptSummary,
  type Candidate,
  type CostEstimatorV1,
  type ExecResult,
  type RecordedCost,
  type RouteReason,
  type ToolAdapterV1,
  type ToolConfig,
} from '@llm-service/spec';
import { computeCostUsd, monotonicMs } from '@llm-service/plugin-kit';
import { reportedCost, unreportedCost } from './attempt-cost.js';
import { invokeAdapter } from './invoke-adapter.js';
import type { Hold } from './policy-gate.js';
import type { PreparedRequest, RequestContext, RequestLog } from './request-log.js';

/** One attempt on one candidate, as the candidate's loop needs it. */
export interface AttemptPlan {
  candidate: Candidate;
  /** The candidate as planned, before a policy rewrote it: what the request would have cost there is recorded. */
  baseline: Candidate;
  reason: RouteReason;
  tool: ToolConfig;
  adapter: ToolAdapterV1;
  holds: readonly Hold[];
}

/** How an attempt ended: its summary, cost and record for the sinks, and the answer or the failure. */
export type AttemptOutcome = {
  summary: AttemptSummary;
  cost: RecordedCost | undefined;
  record: AttemptRecordV1;
} & ({ ok: true; result: ExecResult } | { ok: false; error: AdapterError });

/**
 * Runs one attempt: says it started, runs the adapter (its output goes to the caller as it comes), prices what it
 * used, and says how it ended. Never throws for the tool's failures: they are its outcome.
 */
export async function runAttempt(
  context: RequestContext,
  prepared: PreparedRequest,
  log: RequestLog,
  plan: AttemptPlan,
): Promise<AttemptOutcome> {
  const { config, emit } = context;
  const { request, prompt } = prepared;
  const { candidate, baseline, reason, tool, adapter } = plan;
  const attempt = log.nextAttempt();
  const startedAt = monotonicMs();
  const started = log.base(attempt);
  const price = config.models[candidate.model];
  /** Who runs what for whom: said by the started event and by every record of this attempt, however it ends. */
  const identity = {
    invocationId: prepared.invocationId,
    chainId: prepared.chainId,
    attempt,
    project: config.project,
    ...(request.taskId === undefined ? {} : { taskId: request.taskId }),
    agent: request.agent,
    tool: candidate.tool,
    model: candidate.model,
    reason,
    billing: tool.billing,
    baselineModel: baseline.model,
    promptSha256: prepared.promptSha256,
    promptBytes: prompt.length,
    pid: process.pid,
  };
  const forceReason = request.force?.reason;
  emit({
    type: 'invocation.started',
    ...identity,
    at: started.at,
    taskType: request.taskType,
    forceReason,
  });
  // A tool that reports no usage: the estimator reads its tokenizer, the prompt and the answer while the tool runs.
  let estimator: CostEstimatorV1 | undefined;
  if (adapter.reportsUsage?.(tool) === false)
    void prepareEstimator(context, prompt).then((ready) => (estimator = ready));
  const heldEstimates = plan.holds.flatMap((each) =>
    each.estimateUsd === undefined ? [] : [each.estimateUsd],
  );
  const summary = { attempt, tool: candidate.tool, model: candidate.model, reason };
  const recordBase = {
    ...identity,
    ...(request.taskType === undefined ? {} : { taskType: request.taskType }),
    startedAt: started.at,
    ...(forceReason === undefined ? {} : { forceReason }),
  };
  try {
    const result = await invokeAdapter(
      adapter,
      {
        invocationId: prepared.invocationId,
        chainId: prepared.chainId,
        attempt,
        agent: request.agent,
        taskType: request.taskType,
        toolId: candidate.tool,
        tool,
        model: candidate.model,
        prompt,
        timeoutMs: (request.timeoutS ?? tool.timeout_s) * 1000,
        adapterOptions: config.agents[request.agent]?.adapter_options[tool.adapter],
        configDir: config.dir,
        maxBudgetUsd: request.maxCostUsd,
        env: context.env,
      },
      prepared.signal,
      {
        onText: (text) => {
          log.outputHasStarted();
          prepared.onText?.(text);
          emit({ type: 'invocation.output', ...log.base(attempt), text });
          try {
            estimator?.observeAnswer?.(text);
          } catch {
            // Getting ready only: `usageOf` counts without it.
          }
        },
        onLimits: ({ windows, account }) => {
          for (const reading of windows)
            emit({
              type: 'limits.observed',
              ...log.base(attempt),
              tool: candidate.tool,
              ...(account === undefined ? {} : { account }),
              ...reading,
            });
        },
      },
    );
    const latencyMs = Math.round(monotonicMs() - startedAt);
    const cost =
      result.usageReported === false && result.reportedCostUsd === undefined
        ? await unreportedCost(
            candidate,
            price,
            await context.estimator(),
            { agent: request.agent, prompt, answer: result.text },
            context.logger,
          )
        : reportedCost(
            candidate,
            price,
            { usage: result.usage, costUsd: result.reportedCostUsd },
            heldEstimates,
            context.logger,
          );
    const baselinePrice = config.models[baseline.model];
    const baselineCostUsd = baselinePrice ? computeCostUsd(cost.usage, baselinePrice) : undefined;
    const ended = log.base(attempt);
    /** Who answered, and what it cost: said by the event and by the result alike. */
    const answeredBy = {
      agent: request.agent,
      tool: candidate.tool,
      model: candidate.model,
      reason,
      usage: cost.usage,
      costUsd: cost.costUsd,
      costSource: cost.costSource,
    };
    emit({
      type: 'invocation.succeeded',
      ...ended,
      ...answeredBy,
      ...(cost.note === undefined ? {} : { costNote: cost.note }),
      computedCostUsd: cost.computedCostUsd,
      priceHash: cost.priceHash,
      baselineModel: baseline.model,
      baselineCostUsd,
      latencyMs,
      exitCode: result.exitCode,
      sessionId: result.sessionId,
      turns: result.turns,
      text: result.text,
    });
    return {
      ok: true,
      summary: { ...summary, status: 'success', latencyMs },
      cost,
      record: {
        ...recordBase,
        finishedAt: ended.at,
        latencyMs,
        status: 'success',
        ...(cost.note === undefined ? {} : { message: cost.note }),
        cost,
        ...(baselineCostUsd === undefined ? {} : { baselineCostUsd }),
        exitCode: result.exitCode,
        ...(result.sessionId === undefined ? {} : { sessionId: result.sessionId }),
        ...(result.turns === undefined ? {} : { turns: result.turns }),
        text: result.text,
      },
      result: {
        text: result.text,
        ...answeredBy,
        latencyMs: Math.round(monotonicMs() - prepared.startedAt),
        invocationId: prepared.invocationId,
        chainId: prepared.chainId,
        attempts: log.attempts,
      },
    };
  } catch (caught) {
    const error =
      prepared.signal.aborted && !isAdapterError(caught)
        ? new AdapterError('cancelled', 'cancelled')
        : toAdapterError(caught);
    const latencyMs = Math.round(monotonicMs() - startedAt);
    // A failed attempt that spent (the tool reported usage or a cost before failing) is counted.
    const cost =
      error.usage || error.reportedCostUsd !== undefined
        ? reportedCost(
            candidate,
            price,
            { usage: error.usage ?? emptyUsage, costUsd: error.reportedCostUsd },
            heldEstimates,
            context.logger,
          )
        : undefined;
    const ended = log.base(attempt);
    emit({
      type: 'invocation.failed',
      ...ended,
      agent: request.agent,
      tool: candidate.tool,
      model: candidate.model,
      reason,
      errorKind: error.kind,
      message: error.message,
      latencyMs,
      exitCode: error.toolExitCode,
      ...(cost ? { cost } : {}),
      ...(error.resetsAt === undefined ? {} : { resetsAt: error.resetsAt }),
    });
    return {
      ok: false,
      summary: { ...summary, status: 'failed', errorKind: error.kind, message: error.message, latencyMs },
      cost,
      record: {
        ...recordBase,
        finishedAt: ended.at,
        latencyMs,
        status: error.kind === 'timeout' ? 'timeout' : error.kind === 'cancelled' ? 'cancelled' : 'failed',
        errorKind: error.kind,
        // Why its cost is an estimate, when it is one, goes with what went wrong.
        message: cost?.note === undefined ? error.message : `${error.message} (${cost.note})`,
        ...(cost ? { cost } : {}),
        ...(error.toolExitCode === undefined ? {} : { exitCode: error.toolExitCode }),
      },
      error,
    };
  }
}

/** Has the estimator get ready while a tool that reports no usage runs, and returns it; a failure loses only time. */
async function prepareEstimator(
  context: RequestContext,
  prompt: Uint8Array,
): Promise<CostEstimatorV1 | undefined> {
  try {
    const estimator = await context.estimator();
    estimator?.prepare?.({ prompt });
    return estimator;
  } catch {
    // `usageOf` does the same work later.
    return undefined;
  }
}

function toAdapterError(error: unknown): AdapterError {
  if (isAdapterError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AdapterError('tool-error', `adapter failed: ${message}`, { cause: error });
}
