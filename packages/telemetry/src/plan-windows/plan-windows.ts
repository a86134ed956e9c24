import {
  lazySchema,
  z,
  type PlanWindowObservation,
  type PlanWindowsV1,
  type PlanWindowStatus,
  type TelemetryStoreV1,
  type ToolHoldV1,
} from '@llm-service/spec';
import { TelemetryError, TelemetryErrorCode } from '../errors.js';

const planWindowStatuses = ['allowed', 'warning', 'rejected'] as const satisfies readonly PlanWindowStatus[];

/**
 * An ISO 8601 date and time with its offset, as adapters report reset times and events carry `at`. Stored in UTC with
 * milliseconds (`toISOString`), so that times compare as text in SQL whatever offset they arrived with.
 */
const isoInstantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const instant = lazySchema(() =>
  z
    .string()
    .regex(isoInstantPattern, 'expected an ISO 8601 date and time with an offset')
    .refine((text) => !Number.isNaN(Date.parse(text)), 'not a valid date and time')
    .transform((text) => new Date(text).toISOString()),
);

const name = lazySchema(() => z.string().trim().min(1));

/**
 * An observation as it comes in (from an adapter, through the kernel's `limits.observed`). Utilization past 1 (a
 * provider counting overage past 100 %) is read as a full window: the contract promises readers 0..1.
 */
const observationInput = lazySchema(() =>
  z.object({
    tool: name,
    account: name.optional(),
    window: name,
    status: z.enum(planWindowStatuses),
    utilization: z
      .number()
      .min(0)
      .refine(Number.isFinite, 'not a finite number')
      .transform((value) => Math.min(value, 1))
      .optional(),
    resetsAt: instant.optional(),
    observedAt: instant,
  }),
);

const holdInput = lazySchema(() =>
  z.object({
    tool: name,
    until: instant,
    reason: z.string().min(1),
    window: name.optional(),
  }),
);

export interface PlanWindowsOptions {
  /** The clock that decides whether a rejection's reset is still ahead and which holds are in force. */
  now?: () => Date;
}

/**
 * PlanWindowsV1 over a telemetry store: what comes in is checked here, the store keeps it. Every write is its own
 * committed transaction by the time its promise resolves, not queued like the sink's rows: the next request, perhaps
 * in another process a second later, must see a rejection before it starts the tool again.
 */
export class PlanWindows implements PlanWindowsV1 {
  readonly specificationVersion = 'v1' as const;
  readonly #store: TelemetryStoreV1;
  readonly #now: () => Date;

  constructor(store: TelemetryStoreV1, options: PlanWindowsOptions = {}) {
    this.#store = store;
    this.#now = options.now ?? (() => new Date());
  }

  async record(observation: PlanWindowObservation): Promise<void> {
    const checked = parseInput(observationInput, observation, 'plan window observation');
    await this.#store.recordObservation(checked);
  }

  latest(options: { tool?: string } = {}): Promise<readonly PlanWindowObservation[]> {
    return this.#store.latestObservations(options);
  }

  /** With a limit, the most recent `limit` observations that match, still oldest first. */
  history(
    options: { tool?: string; window?: string; since?: Date; limit?: number } = {},
  ): Promise<readonly PlanWindowObservation[]> {
    return this.#store.observationHistory(options);
  }

  async hold(hold: ToolHoldV1): Promise<void> {
    await this.#store.hold(parseInput(holdInput, hold, 'tool hold'));
  }

  heldUntil(tool: string, now: Date = this.#now()): Promise<ToolHoldV1 | undefined> {
    return this.#store.heldUntil(tool, now);
  }
}

function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new TelemetryError(
    TelemetryErrorCode.invalid,
    `invalid ${what}: ${where}${issue?.message ?? 'not valid'}`,
    { hint: 'the adapter that reported it should say its limits as the PlanWindowsV1 contract does' },
  );
}
