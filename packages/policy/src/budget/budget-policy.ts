import type {
  AttemptCost,
  Billing,
  Candidate,
  PolicyContext,
  PolicyDecision,
  PolicyReservation,
  PolicyV2,
  Reservation,
  SpendLedgerV1,
  SpendLimit,
} from '@llm-service/spec';
import { isLlmServiceError, LlmServiceError } from '@llm-service/spec';
import { parseBudgetScope, POLICIES_FILE, type Budget, type PoliciesFile } from '../policies-schema.js';
import { priceEstimate, type CostEstimate, type TokenCounter } from './estimate.js';
import { forecastTokens } from './cost-estimator.js';
import type { OutputEstimate, OutputRatios } from './output-ratio.js';
import { formatDuration, periodRange } from './periods.js';
import { PromptTokens } from './prompt-tokens.js';
import { formatUsd } from '@llm-service/plugin-kit';

export interface BudgetPolicyOptions {
  /** policies.yaml as the kernel validated it (the plugin's `context.settings`). */
  policies: PoliciesFile | undefined;
  /** The ledger, looked up on first use (opening the telemetry database is not free). */
  ledger: () => SpendLedgerV1;
  counter?: () => TokenCounter | Promise<TokenCounter>;
  /** Shared with the other policies of the plugin, so a prompt is tokenized once; built from `counter` if absent. */
  tokens?: PromptTokens;
  /** Expected output tokens from telemetry history; without it, `estimate.default_output_tokens` applies. */
  outputRatios?: OutputRatios;
  now?: () => Date;
}

/** A budget that applies to one request, with its spend scope (`chain` becomes `chain:<id>`). */
export interface ApplicableBudget {
  budget: Budget;
  index: number;
  spendScope: string;
  /** A global, project, agent or chain budget ends the request; a tool or model budget moves on to the next candidate. */
  endsRequest: boolean;
}

/**
 * The budgets of policies.yaml that apply to a request on a candidate, request-ending ones first. A candidate billed by
 * subscription costs no dollars beyond its plan, so only budgets with `count: all` apply to it.
 */
export function applicableBudgets(
  budgets: readonly Budget[],
  candidate: Candidate,
  context: Pick<PolicyContext, 'agent' | 'chainId'> & { project: string; billing?: Billing },
): ApplicableBudget[] {
  const found: ApplicableBudget[] = [];
  budgets.forEach((budget, index) => {
    const scope = parseBudgetScope(budget.scope);
    if (!scope) return;
    if (context.billing === 'subscription' && budget.count !== 'all') return;
    if (scope.kind === 'global') found.push({ budget, index, spendScope: 'global', endsRequest: true });
    else if (scope.kind === 'chain')
      found.push({ budget, index, spendScope: `chain:${context.chainId}`, endsRequest: true });
    else if (scope.kind === 'own-project')
      found.push({ budget, index, spendScope: `project:${context.project}`, endsRequest: true });
    else if (scope.kind === 'project' && scope.name === context.project)
      found.push({ budget, index, spendScope: budget.scope, endsRequest: true });
    else if (scope.kind === 'agent' && scope.name === context.agent)
      found.push({ budget, index, spendScope: budget.scope, endsRequest: true });
    else if (scope.kind === 'tool' && scope.name === candidate.tool)
      found.push({ budget, index, spendScope: budget.scope, endsRequest: false });
    else if (scope.kind === 'model' && scope.name === candidate.model)
      found.push({ budget, index, spendScope: budget.scope, endsRequest: false });
  });
  return [...found.filter((entry) => entry.endsRequest), ...found.filter((entry) => !entry.endsRequest)];
}

const usd = formatUsd;

/** How the candidate's tool is paid for (tools.yaml `billing`); `api` for a tool the config does not know. */
function billingOf(candidate: Candidate, context: Pick<PolicyContext, 'config'>): Billing {
  return context.config.tools[candidate.tool]?.billing ?? 'api';
}

/**
 * A hard budget that cannot be held blocks the request: the store's own error (what failed, where, how to check it),
 * led by the budgets it stops. Its exit code and hint are the store's (2 for a database that cannot be reached).
 */
function cannotHoldError(hard: readonly ApplicableBudget[], cause: unknown): Error {
  if (!isLlmServiceError(cause)) return cause instanceof Error ? cause : new Error(String(cause));
  const budgets = hard.map(describeBudget).join(', ');
  return new LlmServiceError(
    cause.code,
    `${budgets} cannot be checked, so the request is blocked: ${cause.message}`,
    {
      cause,
      exitCode: cause.exitCode,
      ...(cause.hint === undefined ? {} : { hint: cause.hint }),
    },
  );
}

function describeBudget(entry: ApplicableBudget): string {
  const { budget } = entry;
  const zone = budget.timezone ? ` ${budget.timezone}` : '';
  const whose =
    budget.scope === 'chain'
      ? ` (chain ${entry.spendScope.slice('chain:'.length)})`
      : budget.scope === 'project'
        ? ` (project ${entry.spendScope.slice('project:'.length)})`
        : '';
  return `${budget.mode} ${budget.period}${zone} budget '${budget.scope}'${whose}`;
}

function resetsAt(budget: Budget, now: Date): string {
  const { end } = periodRange(budget.period, now, budget.timezone);
  return `${end.toISOString().replace('.000Z', 'Z')} (in ${formatDuration(end.getTime() - now.getTime())})`;
}

/** The block of a hard budget the request would exceed, with the ways out. */
export function blockMessage(
  entry: ApplicableBudget,
  figures: { spentUsd: number; reservedUsd: number; estimateUsd: number; estimateBasis?: string },
  configDir: string,
  now: Date,
): { message: string; hints: string[] } {
  const { budget } = entry;
  const held = figures.reservedUsd > 0 ? ` (+ ${usd(figures.reservedUsd)} held by requests running now)` : '';
  return {
    message:
      `${describeBudget(entry)} would be exceeded: spent ${usd(figures.spentUsd)}${held} of ${usd(budget.limit_usd)}, ` +
      `and this request is estimated at ${usd(figures.estimateUsd)}` +
      (figures.estimateBasis ? ` (${figures.estimateBasis})` : ''),
    hints: [
      `raise limit_usd of budgets[${entry.index}] ('${budget.scope}') in ${configDir}/${POLICIES_FILE}`,
      'or run it anyway with --force --reason "why" (the reason is recorded)',
      `or wait until the ${budget.period} period resets at ${resetsAt(budget, now)}`,
    ],
  };
}

/** How an estimate was made, in words: its tokens and where the expected output came from. */
export function describeEstimate(estimate: CostEstimate & { output: OutputEstimate }, agent: string): string {
  const { output } = estimate;
  const from =
    output.source === 'history'
      ? `${output.samples} past ${agent} requests answer ${output.ratio.toFixed(2)} output tokens per prompt token (median)`
      : 'the default of estimate.default_output_tokens';
  return `${estimate.inputTokens} prompt tokens + ${estimate.outputTokens} expected output tokens: ${from}`;
}

/**
 * Enforces the budgets of policies.yaml and `--max-cost-usd`. `evaluate` estimates the request's cost on the candidate,
 * blocks what `--max-cost-usd` cannot take, and asks about soft budgets past their alert threshold; `reserve` then
 * holds the estimate in the spend ledger before the tool starts, checking every hard limit in the same transaction, so
 * concurrent requests cannot overrun one together. The kernel settles the hold at the attempt's actual cost once that
 * cost is committed, or releases it (plugin API 1.2's lifecycle: nothing settles through the event bus).
 */
export class BudgetPolicy implements PolicyV2<Reservation> {
  readonly specificationVersion = 'v2' as const;
  readonly id = 'budget';
  readonly #options: BudgetPolicyOptions;
  readonly #tokens: PromptTokens;

  constructor(options: BudgetPolicyOptions) {
    this.#options = options;
    this.#tokens = options.tokens ?? new PromptTokens(options.counter);
  }

  /** The estimate of a request on a candidate, and where its expected output came from. */
  async estimate(
    candidate: Candidate,
    context: PolicyContext,
  ): Promise<CostEstimate & { output: OutputEstimate }> {
    const forecast = await forecastTokens(
      {
        tokens: this.#tokens,
        outputRatios: this.#options.outputRatios,
        defaultOutputTokens: this.#options.policies?.estimate?.default_output_tokens ?? 1000,
      },
      context,
    );
    const price = context.config.models[candidate.model];
    return { ...priceEstimate(forecast.inputTokens, forecast.output.tokens, price), output: forecast.output };
  }

  async evaluate(candidate: Candidate, context: PolicyContext): Promise<PolicyDecision> {
    const applicable = applicableBudgets(this.#options.policies?.budgets ?? [], candidate, {
      ...context,
      project: context.config.project,
      billing: billingOf(candidate, context),
    });
    if (applicable.length === 0 && context.maxCostUsd === undefined) return { action: 'allow' };
    const now = this.#now();
    const estimate = await this.estimate(candidate, context);
    const estimateUsd = estimate.costUsd;

    if (context.maxCostUsd !== undefined && estimateUsd > context.maxCostUsd) {
      return {
        action: 'block',
        message:
          `${candidate.tool}:${candidate.model} is estimated at ${usd(estimateUsd)}, above --max-cost-usd ` +
          `${usd(context.maxCostUsd)} (${describeEstimate(estimate, context.agent)})`,
        hints: ['raise --max-cost-usd, or shorten the prompt'],
        endsRequest: false,
      };
    }

    const ledger = this.#options.ledger();
    const notices: string[] = [];
    let ask = false;
    for (const entry of applicable) {
      const { budget } = entry;
      const alertAt = budget.alert_at_percent ?? (budget.mode === 'soft' ? 100 : undefined);
      if (alertAt === undefined) continue;
      let spentUsd: number;
      try {
        spentUsd = await ledger.spent(entry.spendScope, budget.period, {
          at: now,
          count: budget.count,
          ...(budget.timezone ? { timezone: budget.timezone } : {}),
        });
      } catch (error) {
        // Spend that cannot be read (a damaged or unreachable database) silences the alert. A hard limit still fails
        // closed, in `reserve`, whose error says why; a soft one is said here, so the user knows the request ran
        // without it.
        if (budget.mode === 'soft') {
          const reason = error instanceof Error ? error.message : String(error);
          notices.push(
            `${describeBudget(entry)} cannot be checked (${reason}); being soft, it is not enforced for this request`,
          );
        }
        continue;
      }
      const projected = spentUsd + estimateUsd;
      if (projected * 100 < budget.limit_usd * alertAt) continue;
      const percent = Math.round((projected / budget.limit_usd) * 100);
      notices.push(
        `${describeBudget(entry)}: spent ${usd(spentUsd)} of ${usd(budget.limit_usd)}; with this request's estimate of ` +
          `${usd(estimateUsd)} that is ${percent}% (alert at ${alertAt}%)`,
      );
      if (budget.mode === 'soft') ask = true;
    }
    if (notices.length === 0) return { action: 'allow' };
    const message = notices.join('; ');
    return ask ? { action: 'confirm', message } : { action: 'warn', message };
  }

  /**
   * What `evaluate` and `reserve` would decide, holding nothing: a hard limit the estimate would pass blocks (unless
   * forced), as `reserve` would, against what is spent now (holds of requests running elsewhere are not counted).
   */
  async preview(candidate: Candidate, context: PolicyContext): Promise<PolicyDecision> {
    const decision = await this.evaluate(candidate, context);
    if (decision.action === 'block' || context.force) return decision;
    const project = context.config.project;
    const hard = applicableBudgets(this.#options.policies?.budgets ?? [], candidate, {
      ...context,
      project,
      billing: billingOf(candidate, context),
    }).filter((entry) => entry.budget.mode === 'hard');
    if (hard.length === 0) return decision;
    const estimate = await this.estimate(candidate, context);
    const now = this.#now();
    for (const entry of hard) {
      const { budget } = entry;
      const spentUsd = await this.#options.ledger().spent(entry.spendScope, budget.period, {
        at: now,
        count: budget.count,
        ...(budget.timezone ? { timezone: budget.timezone } : {}),
      });
      if (spentUsd + estimate.costUsd <= budget.limit_usd) continue;
      const blocked = blockMessage(
        entry,
        {
          spentUsd,
          reservedUsd: 0,
          estimateUsd: estimate.costUsd,
          estimateBasis: describeEstimate(estimate, context.agent),
        },
        context.config.dir,
        now,
      );
      return { action: 'block', ...blocked, endsRequest: entry.endsRequest };
    }
    return decision;
  }

  /**
   * Holds the estimate against every applicable budget, checking the hard limits in the same transaction; a hard
   * limit the request would break blocks it, unless `--force` was given (then the estimate is still held).
   */
  async reserve(
    candidate: Candidate,
    context: PolicyContext,
  ): Promise<PolicyReservation<Reservation> | undefined> {
    const billing = billingOf(candidate, context);
    const applicable = applicableBudgets(this.#options.policies?.budgets ?? [], candidate, {
      ...context,
      project: context.config.project,
      billing,
    });
    // A subscription candidate under api-only budgets holds nothing: there is no limit its cost counts against.
    if (applicable.length === 0) return undefined;
    const estimate = await this.estimate(candidate, context);
    const estimateUsd = estimate.costUsd;
    const ledger = this.#options.ledger();
    const hard = applicable.filter((entry) => entry.budget.mode === 'hard');
    const limits: SpendLimit[] = hard.map(({ budget, spendScope }) => ({
      scope: spendScope,
      period: budget.period,
      limitUsd: budget.limit_usd,
      count: budget.count,
      ...(budget.timezone ? { timezone: budget.timezone } : {}),
    }));
    const scopes = [
      'global',
      `project:${context.config.project}`,
      `agent:${context.agent}`,
      `tool:${candidate.tool}`,
      `model:${candidate.model}`,
      `chain:${context.chainId}`,
    ];
    let outcome: Awaited<ReturnType<typeof ledger.reserve>>;
    try {
      outcome = await ledger.reserve({ scopes, estimateUsd, limits, billing });
    } catch (error) {
      // Nothing can be held (a full disk, a damaged or unreachable database): a hard limit fails closed, saying which
      // and why; soft budgets only watch spend, so the request goes on (evaluate said they are not enforced).
      if (hard.length === 0) return undefined;
      throw cannotHoldError(hard, error);
    }
    if (outcome.ok) return { action: 'hold', hold: outcome.reservation, estimateUsd };
    const failed = outcome.limit;
    const entry =
      hard[limits.indexOf(failed)] ??
      hard.find((candidateEntry) => candidateEntry.spendScope === failed.scope);
    const blocked = blockMessage(
      entry ?? hard[0]!,
      {
        spentUsd: outcome.spentUsd,
        reservedUsd: outcome.reservedUsd,
        estimateUsd,
        estimateBasis: describeEstimate(estimate, context.agent),
      },
      context.config.dir,
      this.#now(),
    );
    if (!context.force) return { action: 'block', ...blocked, endsRequest: entry?.endsRequest ?? true };
    const forced = await ledger.reserve({ scopes, estimateUsd, limits: [], billing });
    const warning = `forced past: ${blocked.message} (reason: ${context.force.reason})`;
    // A reservation without limits cannot be refused; the type still says it could.
    return forced.ok ? { action: 'hold', hold: forced.reservation, estimateUsd, warning } : undefined;
  }

  /** Ends the hold; the ledger counts the cost through the invocation telemetry recorded (committed before this). */
  async settle(reservation: Reservation, cost: AttemptCost): Promise<void> {
    await this.#options.ledger().settle(reservation, cost.costUsd);
  }

  async release(reservation: Reservation): Promise<void> {
    await this.#options.ledger().release(reservation);
  }

  #now(): Date {
    return (this.#options.now ?? (() => new Date()))();
  }
}
