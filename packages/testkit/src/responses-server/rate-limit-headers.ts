/**
 * The rate-limit headers the ChatGPT backend sends Codex with each response (`x-codex-primary-*` for the shorter
 * window, `x-codex-secondary-*` for the weekly one), in the names and forms codex 0.169.0 reads: used percent 0..100,
 * window length in minutes, reset time in epoch seconds.
 */

/** One window as the backend reports it. */
export interface CodexRateLimitWindow {
  /** 0..100. */
  usedPercent: number;
  /** 300 for the five-hour window, 10080 for the weekly one. */
  windowMinutes?: number;
  resetsAt?: Date;
}

export interface CodexRateLimits {
  primary?: CodexRateLimitWindow;
  secondary?: CodexRateLimitWindow;
  /** `x-codex-limit-name`: a model-specific limit's name, which codex puts in its usage-limit message. */
  limitName?: string;
}

function windowHeaders(name: string, window: CodexRateLimitWindow | undefined): Record<string, string> {
  if (window === undefined) return {};
  return {
    [`x-codex-${name}-used-percent`]: String(window.usedPercent),
    ...(window.windowMinutes === undefined
      ? {}
      : { [`x-codex-${name}-window-minutes`]: String(window.windowMinutes) }),
    ...(window.resetsAt === undefined
      ? {}
      : { [`x-codex-${name}-reset-at`]: String(Math.floor(window.resetsAt.getTime() / 1000)) }),
  };
}

/** The response headers that say `limits`. */
export function codexRateLimitHeaders(limits: CodexRateLimits): Record<string, string> {
  return {
    ...windowHeaders('primary', limits.primary),
    ...windowHeaders('secondary', limits.secondary),
    ...(limits.limitName === undefined ? {} : { 'x-codex-limit-name': limits.limitName }),
  };
}
