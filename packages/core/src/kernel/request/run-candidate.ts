import {
  CancelledError,
  ExitCode,
  RequestFailedError,
  UsageError,
  describeAdapterFailure,
  type AdapterError,
  type Candidate,
  type ExecResult,
} from '@llm-service/spec';
import { addCost } from './attempt-cost.js';
import { endHolds, type Hold, type Spending } from './policy-gate.js';
import { warnFailed, type PreparedRequest, type RequestContext, type RequestLog } from './request-log.js';
import { runAttempt } from './run-attempt.js';

export type CandidateOutcome = { ok: true; result: ExecResult } | { ok: false; error: AdapterError };

export function describeFailure(candidate: Candidate, error: AdapterError): string {
  return `${candidate.tool}:${candidate.model} ${describeAdapterFailure(error.kind)}`;
}

/**
 * Runs one candidate the policies admitted, with the same-tool retries its tool allows, then settles or releases
 * what the policies hold for it. Resolves with the answer or with the failure that ended the candidate; throws when
 * the request must end at once (cancelled, or failed after its answer had started).
 */
export async function runCandidate(
  context: RequestContext,
  prepared: PreparedRequest,
  log: RequestLog,
  candidate: Candidate,
  baseline: Candidate,
  holds: readonly Hold[],
): Promise<CandidateOutcome> {
  const tool = context.config.tools[candidate.tool];
  const adapter = tool ? context.host.adapters.get(tool.adapter) : undefined;
  if (!tool || !adapter) {
    await endHolds(holds, { committed: true, cost: undefined }, context.logger);
    throw new UsageError(`tool '${candidate.tool}' is not configured`);
  }
  const spending: Spending = { committed: true, cost: undefined };
  try {
    for (let retries = 0; ; retries++) {
      const reason = retries > 0 ? 'retry' : candidate.reason;
      const attempt = await runAttempt(context, prepared, log, {
        candidate,
        baseline,
        reason,
        tool,
        adapter,
        holds,
      });
      log.recordAttempt(attempt.summary, attempt.cost);
      context.host.recordAttempt(attempt.record, (name, error) => warnFailed(context.logger, name, error));
      const outcome = attempt.ok ? 'success' : attempt.error.kind === 'cancelled' ? 'cancelled' : 'failed';
      spending.cost = addCost(spending.cost, outcome, attempt.cost);
      // The attempt's record is committed before its cost may be settled (needless when nothing is held).
      if (
        holds.length > 0 &&
        !(await context.host.commitSinks((name, error) => warnFailed(context.logger, name, error)))
      )
        spending.committed = false;
      if (attempt.ok) return { ok: true, result: attempt.result };

      const { error } = attempt;
      if (error.hint) log.hints.add(error.hint);
      if (error.kind === 'cancelled' || prepared.signal.aborted) {
        log.complete('cancelled');
        throw new CancelledError('cancelled', ExitCode.interrupted);
      }
      if (log.outputStarted) {
        log.complete('failed');
        throw new RequestFailedError(
          'E_REQUEST_FAILED',
          `${describeFailure(candidate, error)} after its answer had started: ${error.message}`,
          { hint: 'the partial answer above is incomplete; run the request again', cause: error },
        );
      }
      const wait = retryWait(error, tool.retry.base_ms * 2 ** retries);
      if (error.retrySameTool && retries < tool.retry.max && wait !== undefined) {
        await sleep(wait, prepared.signal).catch((cancel: unknown) => {
          log.complete('cancelled');
          throw cancel;
        });
        continue;
      }
      return { ok: false, error };
    }
  } finally {
    // On every way out (answer, failure, cancel, a throwing subscriber): the holds end here, after the cost they
    // cover was committed.
    await endHolds(holds, spending, context.logger);
  }
}

/** A reset further away than this is not waited for: the next candidate is tried instead. */
const longestRetryWaitMs = 60_000;

/**
 * How long to wait before trying the same tool again: the backoff, or until the limit lifts when the tool said when
 * (a retry sooner would fail the same way); undefined when that is too far off to wait.
 */
export function retryWait(error: AdapterError, backoffMs: number, now = Date.now()): number | undefined {
  const resetsAt = error.resetsAt === undefined ? Number.NaN : Date.parse(error.resetsAt);
  if (Number.isNaN(resetsAt)) return backoffMs;
  const untilReset = resetsAt - now;
  return untilReset > longestRetryWaitMs ? undefined : Math.max(backoffMs, untilReset);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    // Removed when the timer fires: a library caller may pass one long-lived signal to many requests.
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
