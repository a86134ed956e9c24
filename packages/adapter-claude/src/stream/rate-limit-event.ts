import { lazySchema, z, type PlanWindowReading } from '@llm-service/spec';
import { epochToIsoTime, planWindowStatus } from '@llm-service/plugin-kit';

/**
 * The `rate_limit_event` lines Claude Code 2.1.328 prints on a subscription login, from the service's
 * `anthropic-ratelimit-unified-*` headers (recorded in test/fixtures/plan-limits-*.jsonl):
 *
 *   {"type":"rate_limit_event","rate_limit_info":{"status":"allowed_warning","resetsAt":1796652803,
 *    "rateLimitType":"five_hour","utilization":0.93,"isUsingOverage":false,"surpassedThreshold":0.9,
 *    "unifiedWindows":{"five_hour":{"utilization":0.93,"resetsAt":1796652803,"status":"allowed_warning"},…}}}
 *
 * Loose and forgiving: unknown keys pass, and a field of an unexpected type is dropped (`catch`) rather than failing
 * the line, so a newer release's additions, or a value this copy cannot read, lose one fact and never the attempt.
 */
export const rateLimitInfoSchema = lazySchema(() => {
  const word = z.string().optional().catch(undefined);
  const fraction = z.number().finite().nonnegative().optional().catch(undefined);
  const instant = z.number().finite().optional().catch(undefined);

  const unifiedWindowSchema = z.looseObject({ utilization: fraction, resetsAt: instant, status: word });

  return z.looseObject({
    status: z.string(),
    resetsAt: instant,
    rateLimitType: word,
    utilization: fraction,
    overageStatus: word,
    overageResetsAt: instant,
    isUsingOverage: z.boolean().optional().catch(undefined),
    unifiedWindows: z
      .record(z.string(), unifiedWindowSchema.optional().catch(undefined))
      .optional()
      .catch(undefined),
  });
});
export type RateLimitInfo = z.output<typeof rateLimitInfoSchema>;

export const rateLimitEventSchema = lazySchema(() =>
  z.looseObject({
    type: z.literal('rate_limit_event'),
    rate_limit_info: rateLimitInfoSchema,
  }),
);

function reading(
  window: string,
  status: PlanWindowReading['status'],
  utilization: number | undefined,
  resetsAt: number | undefined,
): PlanWindowReading {
  const resetTime = resetsAt === undefined ? undefined : epochToIsoTime(resetsAt);
  return {
    window,
    status,
    ...(utilization === undefined ? {} : { utilization }),
    ...(resetTime === undefined ? {} : { resetsAt: resetTime }),
  };
}

/**
 * The windows one `rate_limit_info` says something about. Each of `unifiedWindows` is a reading under its own name
 * (`five_hour`, `seven_day`, `seven_day_overage_included`); the window that limits now (`rateLimitType`, e.g.
 * `seven_day_opus`, which has no per-window entry) is read from the top-level fields when it has no entry of its own;
 * `overage` is read from the overage fields. A top-level status without a `rateLimitType` says nothing of a window:
 * claude prints one (`{"status":"rejected"}`) after a plain 429, and says then "not your usage limit".
 */
export function planWindowReadings(info: RateLimitInfo): PlanWindowReading[] {
  const readings: PlanWindowReading[] = [];
  const limiting = info.rateLimitType;
  for (const [window, entry] of Object.entries(info.unifiedWindows ?? {})) {
    if (entry === undefined) continue;
    // Without a status of its own, a window takes the plan's when it is the one limiting now, else it was allowed.
    const status = planWindowStatus(entry.status ?? (window === limiting ? info.status : 'allowed'));
    if (status === undefined) continue;
    readings.push(reading(window, status, entry.utilization, entry.resetsAt));
  }
  if (limiting !== undefined && !readings.some((entry) => entry.window === limiting)) {
    const status = planWindowStatus(info.status);
    if (status !== undefined) readings.push(reading(limiting, status, info.utilization, info.resetsAt));
  }
  if (info.overageStatus !== undefined && limiting !== 'overage') {
    const status = planWindowStatus(info.overageStatus);
    if (status !== undefined) readings.push(reading('overage', status, undefined, info.overageResetsAt));
  }
  return readings;
}
