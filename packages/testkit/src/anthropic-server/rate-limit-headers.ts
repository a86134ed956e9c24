/**
 * The `anthropic-ratelimit-unified-*` response headers api.anthropic.com sends a subscriber (a Claude Pro or Max
 * login), which Claude Code turns into its `rate_limit_event` lines. Header names and value forms are the ones Claude
 * Code 2.1.328 reads: statuses as words, utilization as a fraction, reset times in epoch seconds.
 */

/** What the service says of the plan as a whole, and of each window. */
export type UnifiedStatus = 'allowed' | 'allowed_warning' | 'rejected';

/** One rolling window (`-5h-*`, `-7d-*`). */
export interface UnifiedWindowHeaders {
  /** Fraction of the window used: 0..1, above 1 when usage ran past the cap. */
  utilization: number;
  resetsAt: Date;
  /** Absent: the service sends no `-status` for this window. */
  status?: UnifiedStatus;
  /** The highest warning threshold passed (0.75, 0.95; 1 once rejected). */
  surpassedThreshold?: number;
}

/** Everything a response may say about the subscription's limits. */
export interface UnifiedRateLimits {
  /** `-status`: whether requests are refused, for the window that limits now. */
  status: UnifiedStatus;
  /** `-representative-claim`: the window that limits now (`five_hour`, `seven_day`, `seven_day_opus`, `overage`). */
  representativeClaim?: string;
  /** `-reset`: when that window resets. */
  resetsAt?: Date;
  fiveHour?: UnifiedWindowHeaders;
  sevenDay?: UnifiedWindowHeaders;
  /** `-overage-*`: usage past the plan, paid by credits, when the account allows it. */
  overage?: {
    status: UnifiedStatus;
    resetsAt?: Date;
    utilization?: number;
    disabledReason?: string;
  };
  /** `-fallback: available`: the service offers a cheaper model when this one is limited. */
  fallbackAvailable?: boolean;
}

const prefix = 'anthropic-ratelimit-unified';

const epochSeconds = (date: Date): string => String(Math.floor(date.getTime() / 1000));

function windowHeaders(short: string, window: UnifiedWindowHeaders | undefined): Record<string, string> {
  if (window === undefined) return {};
  return {
    [`${prefix}-${short}-utilization`]: String(window.utilization),
    [`${prefix}-${short}-reset`]: epochSeconds(window.resetsAt),
    ...(window.status === undefined ? {} : { [`${prefix}-${short}-status`]: window.status }),
    ...(window.surpassedThreshold === undefined
      ? {}
      : { [`${prefix}-${short}-surpassed-threshold`]: String(window.surpassedThreshold) }),
  };
}

/** The response headers that say `limits`. */
export function unifiedRateLimitHeaders(limits: UnifiedRateLimits): Record<string, string> {
  const headers: Record<string, string> = { [`${prefix}-status`]: limits.status };
  if (limits.representativeClaim !== undefined)
    headers[`${prefix}-representative-claim`] = limits.representativeClaim;
  if (limits.resetsAt !== undefined) headers[`${prefix}-reset`] = epochSeconds(limits.resetsAt);
  if (limits.fallbackAvailable === true) headers[`${prefix}-fallback`] = 'available';
  Object.assign(headers, windowHeaders('5h', limits.fiveHour), windowHeaders('7d', limits.sevenDay));
  const overage = limits.overage;
  if (overage !== undefined) {
    headers[`${prefix}-overage-status`] = overage.status;
    if (overage.resetsAt !== undefined) headers[`${prefix}-overage-reset`] = epochSeconds(overage.resetsAt);
    if (overage.utilization !== undefined)
      headers[`${prefix}-overage-utilization`] = String(overage.utilization);
    if (overage.disabledReason !== undefined)
      headers[`${prefix}-overage-disabled-reason`] = overage.disabledReason;
  }
  return headers;
}

/** Whole seconds from now until `date`, never negative: what `retry-after` says of a reset time. */
export function secondsUntil(date: Date, now: Date = new Date()): number {
  return Math.max(0, Math.ceil((date.getTime() - now.getTime()) / 1000));
}
