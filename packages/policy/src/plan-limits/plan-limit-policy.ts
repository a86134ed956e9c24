import type {
  Candidate,
  PlanWindowObservation,
  PlanWindowsV1,
  PolicyContext,
  PolicyDecision,
  PolicyV1,
  ToolHoldV1,
} from '@llm-service/spec';
import {
  DEFAULT_PLAN_LIMIT_MAX_AGE_MINUTES,
  POLICIES_FILE,
  type PlanLimit,
  type PlanLimitAction,
} from '../policies-schema.js';
import { describeWhen, percentOf, windowLabel } from './describe-window.js';

/**
 * What each action does once its threshold is reached, as data:
 * - `severity`: when several rules of a tool fire, the most severe one decides;
 * - `skip`: `always` skips the candidate (a tool-scoped block: the kernel tries the next one, and a request with none
 *   left ends with exit 3), `if-free` only when a later candidate is free to take the work, `never` runs it with a
 *   warning;
 * - `resumes`: the block carries `resumeAt` (when the reading stops counting: the window's reset), so `tasks run
 *   --watch` puts the task back until then. `block` does not: it is the rule that says "fail, do not wait". `reroute`
 *   does, for the rare request whose free candidate is then blocked by something else: waiting for the reset is right.
 */
const actionTable: Readonly<
  Record<PlanLimitAction, { severity: number; skip: 'never' | 'if-free' | 'always'; resumes: boolean }>
> = {
  warn: { severity: 0, skip: 'never', resumes: false },
  reroute: { severity: 1, skip: 'if-free', resumes: true },
  defer: { severity: 2, skip: 'always', resumes: true },
  block: { severity: 3, skip: 'always', resumes: false },
};

export interface PlanLimitPolicyOptions {
  /** `plan_limits:` of policies.yaml. */
  rules: readonly PlanLimit[];
  /** The shared plan windows, or undefined when no loaded plugin provides them (looked up on use). */
  planWindows: () => PlanWindowsV1 | undefined;
  /** Told once, when rules are configured but nothing provides plan windows. */
  warn: (message: string) => void;
  now?: () => Date;
  /** The zone times are shown in; the process's own when absent (tests pin one). */
  timeZone?: string;
}

/** A rule that fires on a tool's current reading. */
export interface FiredRule {
  rule: PlanLimit;
  /** Its index in `plan_limits`, for messages pointing at the file. */
  index: number;
  observation: PlanWindowObservation;
  utilization: number;
  /** When the reading stops counting (`readingLapsesAt`): the window's reset unless an age limit ends it sooner. */
  lapsesAt: Date;
}

const minute = 60_000;

/**
 * When a reading stops counting for a rule, or undefined when it already has: at its window's reset (the reading says
 * nothing about the next window), and, when the rule sets `max_age_minutes`, once it is that old. Without either
 * (no reset stated, no age set), after DEFAULT_PLAN_LIMIT_MAX_AGE_MINUTES.
 */
export function readingLapsesAt(
  observation: PlanWindowObservation,
  rule: Pick<PlanLimit, 'max_age_minutes'>,
  now: Date,
): Date | undefined {
  const observedAt = Date.parse(observation.observedAt);
  if (Number.isNaN(observedAt)) return undefined;
  const resetsAt = observation.resetsAt === undefined ? Number.NaN : Date.parse(observation.resetsAt);
  const ends: number[] = [];
  if (!Number.isNaN(resetsAt)) ends.push(resetsAt);
  if (rule.max_age_minutes !== undefined) ends.push(observedAt + rule.max_age_minutes * minute);
  if (ends.length === 0) ends.push(observedAt + DEFAULT_PLAN_LIMIT_MAX_AGE_MINUTES * minute);
  const lapses = Math.min(...ends);
  return lapses > now.getTime() ? new Date(lapses) : undefined;
}

/** How full a reading says its window is: a rejected window without a figure is full; otherwise unknown. */
function utilizationOf(observation: PlanWindowObservation): number | undefined {
  return observation.utilization ?? (observation.status === 'rejected' ? 1 : undefined);
}

/**
 * Admits candidates against the plan windows of subscriptions (issue 18), for tools billed by subscription or named
 * by a rule: a tool held after its window was rejected is skipped at once, whatever the rules, until the hold ends; then each `plan_limits` rule of the candidate's tool is
 * checked against the last reading of its window, and the most severe rule that fires decides (action table above).
 * `--force --reason` runs past both, with a warning. It only reads, so `route`'s preview is its `evaluate`.
 *
 * Readings and holds are the telemetry plugin's (PlanWindowsV1): without that service nothing is held and no rule can
 * fire, which is said once. A service that fails to answer lets the request run with a warning: a plan window costs
 * no money, and a damaged database must not stop every tool.
 */
export class PlanLimitPolicy implements PolicyV1 {
  readonly specificationVersion = 'v1' as const;
  readonly id = 'plan-limits';
  readonly #options: PlanLimitPolicyOptions;
  #toldMissing = false;

  constructor(options: PlanLimitPolicyOptions) {
    this.#options = options;
  }

  async evaluate(candidate: Candidate, context: PolicyContext): Promise<PolicyDecision> {
    // Windows are a subscription's: a tool billed by the token and named by no rule has none to check, and looking
    // would open the telemetry database before every such tool starts (loading SQLite is about 20 ms of an `exec`
    // start that otherwise opens it only after the answer).
    if (!this.#watches(candidate.tool, context)) return { action: 'allow' };
    const windows = this.#options.planWindows();
    if (!windows) {
      if (this.#options.rules.length > 0 && !this.#toldMissing) {
        this.#toldMissing = true;
        this.#options.warn(
          `warning: ${POLICIES_FILE} has plan_limits: rules, but no loaded plugin provides plan windows, so they are ` +
            'not checked; load @llm-service/telemetry (the llm-service CLI does by default)',
        );
      }
      return { action: 'allow' };
    }
    const now = this.#now();
    try {
      return await this.#decide(windows, candidate, context, now);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        action: 'warn',
        message: `the plan windows of ${candidate.tool} cannot be checked (${reason}); running it unchecked`,
      };
    }
  }

  /** Whether a tool's windows are checked: it is billed by subscription, or a rule names it. */
  #watches(tool: string, context: PolicyContext): boolean {
    return (
      context.config.tools[tool]?.billing === 'subscription' ||
      this.#options.rules.some((rule) => rule.tool === tool)
    );
  }

  async #decide(
    windows: PlanWindowsV1,
    candidate: Candidate,
    context: PolicyContext,
    now: Date,
  ): Promise<PolicyDecision> {
    const hold = await windows.heldUntil(candidate.tool, now);
    if (hold) return this.#held(windows, candidate, hold, context, now);
    const fired = await this.#firedRule(windows, candidate.tool, now);
    if (!fired) return { action: 'allow' };
    const { rule } = fired;
    const usage = this.#describeUsage(candidate.tool, fired);
    const resets = this.#describeReset(fired, now);
    const forced = (message: string): PolicyDecision => ({
      action: 'warn',
      message: `forced past: ${message} (reason: ${context.force?.reason ?? ''})`,
    });
    const { skip } = actionTable[rule.action];

    if (skip === 'never') return { action: 'warn', message: `${usage}${resets}` };

    if (skip === 'if-free') {
      if (context.force) return forced(`${usage}${resets}`);
      // An explicit --tool or --model is the user's own choice: a preference does not overrule it (block rules do).
      if (context.explicit)
        return { action: 'warn', message: `${usage}; kept on ${candidate.tool}, chosen explicitly${resets}` };
      const free = await this.#freeCandidate(windows, candidate, context.nextCandidates ?? [], now);
      if (!free)
        return {
          action: 'warn',
          message: `${usage}; no later candidate is free, so it runs on ${candidate.tool}${resets}`,
        };
      return this.#skip(
        fired,
        `${usage}; rerouted to ${free.tool}:${free.model}${resets}`,
        ['or run it here anyway with --force --reason "why" (the reason is recorded)'],
        context,
      );
    }

    if (context.force) return forced(`${usage}${resets}`);
    const free = await this.#freeCandidate(windows, candidate, this.#alternatives(candidate, context), now);
    return this.#skip(
      fired,
      `${usage}${resets}${free ? `; ${free.tool}:${free.model} is free: run with --tool ${free.tool}` : ''}`,
      ['or run it anyway with --force --reason "why" (the reason is recorded)'],
      context,
    );
  }

  /** The most severe rule of `tool` that its current readings fire (the fuller window on a tie), or undefined. */
  async #firedRule(windows: PlanWindowsV1, tool: string, now: Date): Promise<FiredRule | undefined> {
    const rules = this.#options.rules
      .map((rule, index) => ({ rule, index }))
      .filter(({ rule }) => rule.tool === tool);
    if (rules.length === 0) return undefined;
    const readings = await windows.latest({ tool });
    let fired: FiredRule | undefined;
    for (const { rule, index } of rules) {
      // One reading per window is expected; with several (two accounts), the newest says where the tool stands now.
      const observation = readings
        .filter((reading) => reading.window === rule.window)
        .reduce<PlanWindowObservation | undefined>(
          (newest, reading) =>
            !newest || Date.parse(reading.observedAt) > Date.parse(newest.observedAt) ? reading : newest,
          undefined,
        );
      if (!observation) continue;
      const lapsesAt = readingLapsesAt(observation, rule, now);
      const utilization = utilizationOf(observation);
      if (!lapsesAt || utilization === undefined || utilization < rule.above) continue;
      const candidateRule = { rule, index, observation, utilization, lapsesAt };
      const severity = actionTable[rule.action].severity;
      if (
        !fired ||
        severity > actionTable[fired.rule.action].severity ||
        (severity === actionTable[fired.rule.action].severity && utilization > fired.utilization)
      )
        fired = candidateRule;
    }
    return fired;
  }

  /** A held tool is skipped until its hold ends; `resumeAt` lets waiting work come back then. */
  async #held(
    windows: PlanWindowsV1,
    candidate: Candidate,
    hold: ToolHoldV1,
    context: PolicyContext,
    now: Date,
  ): Promise<PolicyDecision> {
    const message = `${candidate.tool} is held until ${describeWhen(new Date(hold.until), now, this.#options.timeZone)}: ${hold.reason}`;
    if (context.force)
      return { action: 'warn', message: `forced past: ${message} (reason: ${context.force.reason})` };
    const free = await this.#freeCandidate(windows, candidate, this.#alternatives(candidate, context), now);
    return {
      action: 'block',
      message: free
        ? `${message}; ${free.tool}:${free.model} is free: run with --tool ${free.tool}`
        : message,
      hints: [
        'or run it anyway with --force --reason "why" (the reason is recorded); the program may refuse it until then',
      ],
      endsRequest: false,
      resumeAt: hold.until,
    };
  }

  #skip(fired: FiredRule, message: string, hints: string[], context: PolicyContext): PolicyDecision {
    const { rule, index } = fired;
    return {
      action: 'block',
      message,
      hints: [
        ...hints,
        `or raise above of plan_limits[${index}] (${rule.tool} ${rule.window}) in ${context.config.dir}/${POLICIES_FILE}`,
      ],
      endsRequest: false,
      ...(actionTable[rule.action].resumes ? { resumeAt: fired.lapsesAt.toISOString() } : {}),
    };
  }

  /** `claude's 5-hour window is at 93%, past 90%` */
  #describeUsage(tool: string, fired: FiredRule): string {
    const window = windowLabel(fired.rule.window);
    return `${tool}'s ${window} window is at ${percentOf(fired.utilization)}, past ${percentOf(fired.rule.above)}`;
  }

  /** `; it resets at 14:00 (in 1h 12m)`, or nothing when the program did not say. */
  #describeReset(fired: FiredRule, now: Date): string {
    const { resetsAt } = fired.observation;
    return resetsAt === undefined
      ? ''
      : `; it resets at ${describeWhen(new Date(resetsAt), now, this.#options.timeZone)}`;
  }

  /**
   * Where the work could go instead, for a message: the route's later candidates first (the kernel tries those), then
   * each other tool of tools.yaml on its first model (what `--tool` alone would pick when the agent names none).
   */
  #alternatives(candidate: Candidate, context: PolicyContext): Candidate[] {
    const configured = Object.entries(context.config.tools)
      .filter(([tool]) => tool !== candidate.tool)
      .flatMap(([tool, settings]): Candidate[] =>
        settings.models[0] === undefined ? [] : [{ tool, model: settings.models[0], reason: 'fallback' }],
      );
    return [...(context.nextCandidates ?? []), ...configured];
  }

  /**
   * The first of `candidates` on another tool that is neither held nor past a rule that would skip it. Another model of
   * the same tool is never free: windows belong to the account, not the model.
   */
  async #freeCandidate(
    windows: PlanWindowsV1,
    candidate: Candidate,
    candidates: readonly Candidate[],
    now: Date,
  ): Promise<Candidate | undefined> {
    const seen = new Set([candidate.tool]);
    for (const next of candidates) {
      if (seen.has(next.tool)) continue;
      seen.add(next.tool);
      if (await windows.heldUntil(next.tool, now)) continue;
      const fired = await this.#firedRule(windows, next.tool, now);
      if (fired && actionTable[fired.rule.action].skip !== 'never') continue;
      return next;
    }
    return undefined;
  }

  #now(): Date {
    return (this.#options.now ?? (() => new Date()))();
  }
}
