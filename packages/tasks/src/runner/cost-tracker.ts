import type { EventBus, EventSubscription, LlmServiceEvent, TaskTokensV1 } from '@llm-service/spec';

/** What the attempts of one task spent, as the kernel's events reported them. */
export interface TaskSpending {
  /** Attempts that ran (an `invocation.started` each): retries, fallbacks and escalations included. */
  attempts: number;
  costUsd: number;
  /** Attempts whose cost nobody could tell (no usage reported, no estimator): not counted in `costUsd`. */
  unknownCostAttempts: number;
  tokens: TaskTokensV1;
  /** The failed attempts, one line each, with what the tool said (the generic adapter quotes its stderr tail). */
  failures: string[];
  /** The last failed attempt's kind. */
  lastFailureKind: string | undefined;
}

function emptySpending(): TaskSpending {
  return {
    attempts: 0,
    costUsd: 0,
    unknownCostAttempts: 0,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    failures: [],
    lastFailureKind: undefined,
  };
}

/**
 * Adds up what each task's requests spend, from the kernel's event bus: a request that works on a task says so on
 * `request.received` (`taskId`), and the cost of each of its attempts (`invocation.succeeded`, and the `cost` of
 * `invocation.failed`: fallbacks and escalations pay too) is added to that task. Telemetry need not be loaded.
 */
export class CostTracker {
  readonly #byTask = new Map<string, TaskSpending>();
  readonly #taskOfInvocation = new Map<string, string>();
  readonly #subscription: EventSubscription;

  constructor(events: EventBus) {
    this.#subscription = events.subscribe('tasks runner costs', (event) => this.#record(event));
  }

  /** Starts counting for a task (before its request is sent); `take` ends it. */
  begin(taskId: string): void {
    this.#byTask.set(taskId, emptySpending());
  }

  /** What the task spent so far. */
  peek(taskId: string): TaskSpending {
    return this.#byTask.get(taskId) ?? emptySpending();
  }

  /** What the task spent, and stops counting for it. */
  take(taskId: string): TaskSpending {
    const spending = this.peek(taskId);
    this.#byTask.delete(taskId);
    for (const [invocation, task] of this.#taskOfInvocation)
      if (task === taskId) this.#taskOfInvocation.delete(invocation);
    return spending;
  }

  dispose(): void {
    this.#subscription.unsubscribe();
  }

  #record(event: LlmServiceEvent): void {
    if (event.type === 'request.received') {
      if (event.taskId !== undefined && this.#byTask.has(event.taskId))
        this.#taskOfInvocation.set(event.invocationId, event.taskId);
      return;
    }
    if (!('invocationId' in event)) return;
    const taskId = this.#taskOfInvocation.get(event.invocationId);
    const spending = taskId === undefined ? undefined : this.#byTask.get(taskId);
    if (spending === undefined) return;
    switch (event.type) {
      case 'invocation.started':
        spending.attempts += 1;
        break;
      case 'invocation.succeeded':
        add(spending, event.usage, event.costUsd, event.costSource);
        break;
      case 'invocation.failed':
        if (event.cost) add(spending, event.cost.usage, event.cost.costUsd, event.cost.costSource);
        // A cancelled attempt is the user's Ctrl-C, not a failure to report.
        if (event.errorKind === 'cancelled') break;
        spending.lastFailureKind = event.errorKind;
        spending.failures.push(
          `attempt ${event.attempt} ${event.tool}:${event.model} (${event.reason}) failed (${event.errorKind}): ${event.message}`,
        );
        break;
      default:
        break;
    }
  }
}

function add(
  spending: TaskSpending,
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number },
  costUsd: number,
  costSource: string,
): void {
  spending.tokens.input += usage.inputTokens;
  spending.tokens.output += usage.outputTokens;
  spending.tokens.cacheRead += usage.cacheReadTokens;
  spending.tokens.cacheWrite += usage.cacheWriteTokens;
  if (costSource === 'unknown') spending.unknownCostAttempts += 1;
  else spending.costUsd += costUsd;
}
