/**
 * Milliseconds on a monotonic clock, for durations and latencies. Not `performance.now()`: reading the global
 * `performance` loads Node's perf_hooks module (about 0.7 ms of every `exec`, before its tool starts), while
 * `process.hrtime` is loaded already.
 */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;
