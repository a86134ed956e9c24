/**
 * Plan limits (plugin API 1.9): subscriptions such as Claude's and Codex's are paid in windows (five hours, seven
 * days) that fill up, not in dollars. What a program says about its windows is kept apart from dollar spend: a window
 * is a fraction of an allowance the provider does not state in any unit we could convert.
 */

/** How a tool is paid for (`tools.<id>.billing`): metered by the token, or within a subscription's windows. */
export type Billing = 'api' | 'subscription';

/** Where a window stands, as the provider says it: `warning` when close to the limit, `rejected` when used up. */
export type PlanWindowStatus = 'allowed' | 'warning' | 'rejected';

/**
 * What a program said about one window of its plan, as an adapter reads it. Windows have the providers' names:
 * `five_hour`, `seven_day`, `seven_day_opus`, `overage`, or a provider's own.
 */
export interface PlanWindowReading {
  window: string;
  status: PlanWindowStatus;
  /** How much of the window is used, 0..1, when the program said. */
  utilization?: number;
  /** When the window resets, ISO 8601, when the program said. */
  resetsAt?: string;
}

/** A reading as recorded: for which tool (and account, when known) and when it was observed. */
export interface PlanWindowObservation extends PlanWindowReading {
  /** The tool's id in tools.yaml. */
  tool: string;
  /** A key for the account the program ran as, when the adapter can tell (never a secret). */
  account?: string;
  /** ISO 8601. */
  observedAt: string;
}

/** A tool held until a time: later requests skip it without starting it. */
export interface ToolHoldV1 {
  tool: string;
  /** ISO 8601. */
  until: string;
  /** Why, for the message that skips it: "claude's five_hour window was rejected". */
  reason: string;
  window?: string;
}

/**
 * Where each tool's plan windows stand, shared by every process on the machine (and every machine sharing its
 * database). Provided by the telemetry plugin, which records every `limits.observed` event and holds a tool refused
 * for its plan (`invocation.failed` of kind `plan-limit` with `resetsAt`); read by the policy plugin before a
 * candidate runs, by `budget` and by the dashboard.
 */
export interface PlanWindowsV1 {
  readonly specificationVersion: 'v1';
  /**
   * Records one observation. A reading holds nothing by itself, even a `rejected` one: a program may report a window
   * used up while it still serves requests (Claude on overage credits). What holds a tool is a refusal: the telemetry
   * plugin calls `hold` when an attempt fails with `plan-limit` and a reset time.
   */
  record(observation: PlanWindowObservation): Promise<void>;
  /** The latest observation of each tool's each window (of `tool` only, when given). */
  latest(options?: { tool?: string }): Promise<readonly PlanWindowObservation[]>;
  /** Observations over time, oldest first, for charts. */
  history(options?: {
    tool?: string;
    window?: string;
    since?: Date;
    limit?: number;
  }): Promise<readonly PlanWindowObservation[]>;
  /** Holds a tool until a time; a later hold of the same tool that ends sooner does not shorten it. */
  hold(hold: ToolHoldV1): Promise<void>;
  /** The hold on `tool` still in force at `now` (the latest-ending one), if any. */
  heldUntil(tool: string, now?: Date): Promise<ToolHoldV1 | undefined>;
}
