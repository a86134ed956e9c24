import { createHash, randomUUID } from 'node:crypto';
import {
  CancelledError,
  ExitCode,
  PolicyBlockedError,
  RequestFailedError,
  type Candidate,
  type ExecOptions,
  type ExecRequest,
  type ExecResult,
  type PolicyContext,
  type ResolvedConfig,
} from '@llm-service/spec';
import { monotonicMs } from '@llm-service/plugin-kit';
import { planRoute } from '../../routing/plan-route.js';
import { buildPrompt } from '../build-prompt.js';
import { passGate } from './policy-gate.js';
import { RequestLog, type Blocked, type PreparedRequest, type RequestContext } from './request-log.js';
import { describeFailure, runCandidate } from './run-candidate.js';

/**
 * One request, top to bottom: prepare it, plan its route, then for each candidate in turn pass the policy gate and
 * run it (escalating once from a model a policy chose, falling back to the next candidate on a failure that allows
 * it), and finish. Every `request.received` gets one `request.completed`, however the request ends.
 */
export async function runRequest(
  context: RequestContext,
  request: ExecRequest,
  options: ExecOptions,
): Promise<ExecResult> {
  const prepared = prepare(context, request, options);
  const log = new RequestLog(prepared, context);
  context.emit({
    type: 'request.received',
    ...log.base(0),
    project: context.config.project,
    ...(request.taskId === undefined ? {} : { taskId: request.taskId }),
    agent: request.agent,
    taskType: request.taskType,
    promptSha256: prepared.promptSha256,
    promptBytes: prepared.prompt.length,
  });
  try {
    const plan = planRoute(context.config, request);
    log.planned(plan.candidates);
    context.emit({
      type: 'route.planned',
      ...log.base(0),
      agent: request.agent,
      candidates: plan.candidates,
      ...(plan.notice === undefined ? {} : { notice: plan.notice }),
    });
    for (const [index, planned] of plan.candidates.entries()) {
      // A Ctrl-C during a long step (loading the config, a policy estimating a large prompt) is seen once the step
      // ends; the request ends there, before the next step starts, rather than at the tool.
      if (prepared.signal.aborted) {
        log.complete('cancelled');
        throw new CancelledError('cancelled', ExitCode.interrupted);
      }
      const explicit = index === 0 && plan.explicit;
      const answer = await tryCandidate(context, prepared, log, {
        planned,
        explicit,
        nextCandidates: plan.candidates.slice(index + 1),
      });
      if (answer) {
        log.complete('success');
        return answer;
      }
    }
    log.complete('failed');
    throw noAvailableTool(request, log);
  } catch (error) {
    // Whatever the steps do not handle themselves (an unknown agent, a policy that throws, a rewrite to a tool that
    // is not configured) still ends the request for subscribers.
    log.complete(prepared.signal.aborted ? 'cancelled' : 'failed');
    throw error;
  }
}

/** The prompt as the tool receives it: each context file's block, then the prompt's own bytes. */
export function promptOf(request: ExecRequest): Uint8Array {
  const prompt =
    typeof request.prompt === 'string' ? new TextEncoder().encode(request.prompt) : request.prompt;
  return buildPrompt(prompt, request.context);
}

function prepare(context: RequestContext, request: ExecRequest, options: ExecOptions): PreparedRequest {
  const prompt = promptOf(request);
  return {
    request,
    invocationId: randomUUID(),
    // `||`: an empty --chain-id or LLM_SERVICE_CHAIN_ID means none; it would otherwise lump unrelated requests into
    // one chain (and one chain budget).
    chainId: request.chainId || context.env.LLM_SERVICE_CHAIN_ID || randomUUID(),
    prompt,
    promptSha256: createHash('sha256').update(prompt).digest('hex'),
    signal: options.signal ?? new AbortController().signal,
    onText: options.onText,
    startedAt: monotonicMs(),
    startedAtIso: new Date().toISOString(),
  };
}

/** What policies are told of a request about to run a candidate (or, for a preview, of one that might). */
export function policyContext(
  config: ResolvedConfig,
  prepared: Pick<PreparedRequest, 'request' | 'invocationId' | 'chainId' | 'prompt'>,
  explicit: boolean,
  nextCandidates: readonly Candidate[],
): PolicyContext {
  const { request } = prepared;
  return {
    invocationId: prepared.invocationId,
    chainId: prepared.chainId,
    agent: request.agent,
    taskType: request.taskType,
    explicit,
    prompt: prepared.prompt,
    config,
    maxCostUsd: request.maxCostUsd,
    force: request.force,
    nextCandidates,
  };
}

/**
 * One planned candidate: through the gate, then run. A candidate a policy replaced with another model is escalated
 * to, once, when the replacement fails or answers nothing, as long as no answer byte has reached the caller (DESIGN
 * section 1). Resolves with the answer, or undefined to go on to the next candidate; throws to end the request.
 */
async function tryCandidate(
  context: RequestContext,
  prepared: PreparedRequest,
  log: RequestLog,
  route: { planned: Candidate; explicit: boolean; nextCandidates: readonly Candidate[] },
): Promise<ExecResult | undefined> {
  const { planned, explicit, nextCandidates } = route;
  const next = nextCandidates[0];
  const yes = prepared.request.yes === true;
  const gateContext = (isExplicit: boolean) =>
    policyContext(context.config, prepared, isExplicit, nextCandidates);
  const decided = await passGate(context, planned, gateContext(explicit), { yes, log });
  if (decided.outcome === 'block') {
    skipBlocked(context, log, planned, decided, next);
    return undefined;
  }
  let { candidate, holds, replaced } = decided;
  let answered: ExecResult | undefined;
  for (;;) {
    const outcome = await runCandidate(context, prepared, log, candidate, planned, holds);
    const empty = outcome.ok && outcome.result.text.trim().length === 0;
    if (outcome.ok && !(empty && replaced)) return outcome.result;
    if (outcome.ok) answered = outcome.result;
    const error = outcome.ok ? undefined : outcome.error;
    // A tool that is missing or not logged in fails the same way on any model.
    const toolLevel =
      error !== undefined &&
      (error.kind === 'not-installed' || error.kind === 'auth') &&
      replaced?.tool === candidate.tool;
    if (replaced && !toolLevel) {
      const escalation: Candidate = { tool: replaced.tool, model: replaced.model, reason: 'escalation' };
      replaced = undefined;
      context.emit({
        type: 'fallback.used',
        ...log.base(log.attempt),
        from: candidate,
        to: escalation,
        cause: error?.kind ?? 'bad-output',
        message: `${error ? describeFailure(candidate, error) : `${candidate.tool}:${candidate.model} answered nothing`}; escalating to ${escalation.tool}:${escalation.model}`,
      });
      const escalated = await passGate(context, escalation, gateContext(true), { yes, log });
      if (escalated.outcome === 'run') {
        ({ candidate, holds } = escalated);
        continue;
      }
      // The escalation is blocked: an empty answer is still an answer; a failure moves on.
      if (answered && !escalated.endsRequest) return answered;
      skipBlocked(context, log, escalation, escalated, next);
      return undefined;
    }
    if (outcome.ok) return outcome.result;
    if (!outcome.error.fallback) {
      log.complete('failed');
      throw new RequestFailedError(
        'E_REQUEST_FAILED',
        `${describeFailure(candidate, outcome.error)}: ${outcome.error.message}`,
        { cause: outcome.error, ...(outcome.error.hint ? { hint: outcome.error.hint } : {}) },
      );
    }
    if (next) {
      context.emit({
        type: 'fallback.used',
        ...log.base(log.attempt),
        from: candidate,
        to: next,
        cause: outcome.error.kind,
        message: `${describeFailure(candidate, outcome.error)}; trying ${next.tool}:${next.model}`,
      });
    }
    return undefined;
  }
}

/** Records a candidate a policy blocked; throws when the block ends the request or nothing is left to try. */
function skipBlocked(
  context: RequestContext,
  log: RequestLog,
  candidate: Candidate,
  blocked: Blocked,
  next: Candidate | undefined,
): void {
  log.recordSkipped(candidate, blocked);
  if (blocked.endsRequest || !next) {
    log.complete('blocked');
    throw new PolicyBlockedError(blocked.message, blocked.hints, log.resumeAt);
  }
  context.emit({
    type: 'fallback.used',
    ...log.base(log.attempt),
    from: candidate,
    to: next,
    cause: 'policy',
    message: `${candidate.tool}:${candidate.model} blocked by policy (${blocked.message}); trying ${next.tool}:${next.model}`,
  });
}

function noAvailableTool(request: ExecRequest, log: RequestLog): RequestFailedError {
  const tried = log.attempts
    .map(
      (attempt) =>
        `${attempt.tool}:${attempt.model} (${attempt.errorKind ?? attempt.status}${attempt.message ? `: ${attempt.message}` : ''})`,
    )
    .join(', ');
  return new RequestFailedError(
    'E_NO_AVAILABLE_TOOL',
    `no available tool for agent '${request.agent}': tried ${tried}`,
    {
      hint:
        log.hints.size > 0
          ? [...log.hints].join('; ')
          : 'run `llm-service tools` to see what is installed, or add a fallback_chain entry for this agent',
    },
  );
}
