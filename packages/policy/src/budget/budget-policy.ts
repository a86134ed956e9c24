import type {
  Candidate,
  EventBus,
  PolicyContext,
  PolicyDecision,
  PolicyV1,
  Reservation,
  SpendLedgerV1,
  SpendLimit,
} from '@llm-service/spec';
import { parseBudgetScope, POLICIES_FILE, type Budget, type PoliciesFile } from '../policies-schema.js';
import { priceEstimate, type CostEstimate, type TokenCounter } from './estimate.js';
import type { OutputEstimate, OutputRatios } from './output-ratio.js';
import { formatDuration, periodRange } from './periods.js';
import { PromptTokens } from './prompt-tokens.js';

export interface BudgetPolicyOptions {
  /** The ledger, looked up on first use (opening the telemetry database is not free). */
  ledger: () => SpendLedgerV1;
  events?: EventBus;
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
  /** A global, agent or chain budget ends the request; a tool or model budget moves on to the next candidate. */
  endsRequest: boolean;
}

/** The budgets of policies.yaml that apply to a request on a candidate, request-ending ones first. */
export function applicableBudgets(
  budgets: readonly Budget[],
  candidate: Candidate,
  context: Pick<PolicyContext, 'agent' | 'chainId'>,
): ApplicableBudget[] {
  const found: ApplicableBudget[] = [];
  budgets.forEach((budget, index) => {
    const scope = parseBudgetScope(budget.scope);
    if (!scope) return;
    if (scope.kind === 'global') found.push({ budget, index, spendScope: 'global', endsRequest: true });
    else if (scope.kind === 'chain')
      found.push({ budget, index, spendScope: `chain:${context.chainId}`, endsRequest: true });
    else if (scope.kind === 'agent' && scope.name === context.agent)
      found.push({ budget, index, spendScope: budget.scope, endsRequest: true });
    else if (scope.kind === 'tool' && scope.name === candidate.tool)
      found.push({ budget, index, spendScope: budget.scope, endsRequest: false });
    else if (scope.kind === 'model' && scope.name === candidate.model)
      found.push({ budget, index, spendScope: budget.scope, endsRequest: false });
  });
  return [...found.filter((entry) => entry.endsRequest), ...found.filter((entry) => !entry.endsRequest)];
}

const usd = (value: number) => `$${value < 0.01 && value > 0 ? value.toFixed(4) : value.toFixed(2)}`;

function describeBudget(entry: ApplicableBudget): string {
  const { budget } = entry;
  const zone = budget.timezone ? ` ${budget.timezone}` : '';
  return `${budget.mode} ${budget.period}${zone} budget '${budget.scope}'${budget.scope === 'chain' ? ` (chain ${entry.spendScope.slice(6)})` : ''}`;
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

interface Hold {
  reservation: Reservation;
  actualUsd: number;
  succeeded: boolean;
}

/**
 * Enforces the budgets of policies.yaml and `--max-cost-usd`: estimates the request's cost on the candidate, blocks
 * what a hard budget cannot take, asks about soft budgets past their alert threshold, and reserves the estimate in
 * the spend ledger before the tool starts (settled when the request completes), so concurrent requests cannot
 * overrun a hard limit together.
 */
export class BudgetPolicy implements PolicyV1 {
  readonly specificationVersion = 'v1' as const;
  readonly id = 'budget';
  readonly #options: BudgetPolicyOptions;
  readonly #holds = new Map<string, Hold>();
  readonly #pending = new Set<Promise<void>>();
  readonly #tokens: PromptTokens;

  constructor(options: BudgetPolicyOptions) {
    this.#options = options;
    this.#tokens = options.tokens ?? new PromptTokens(options.counter);
    const events = options.events;
    if (events) {
      events.on('invocation.succeeded', 'budget policy', (event) => {
        const hold = this.#holds.get(event.invocationId);
        if (!hold) return;
        hold.actualUsd += event.costUsd;
        hold.succeeded = true;
      });
      // At once: the CLI disposes the kernel right after the request, and the telemetry store closes with its sink.
      // The ledger's SQL runs synchronously inside settle(); the sink commits the invocation's cost in its next
      // setImmediate turn (or in its flush), so for that moment the cost is neither held nor recorded.
      events.on('request.completed', 'budget policy', (event) => {
        this.#track(this.#end(event.invocationId));
      });
    }
  }

  /** The estimate of a request on a candidate, and where its expected output came from. */
  async estimate(
    candidate: Candidate,
    context: PolicyContext,
  ): Promise<CostEstimate & { output: OutputEstimate }> {
    const policies = context.config.files[POLICIES_FILE] as PoliciesFile | undefined;
    const tokens = await this.#tokens.estimate(context.prompt);
    const defaultTokens = policies?.estimate?.default_output_tokens ?? 1000;
    const request = { agent: context.agent, taskType: context.taskType, promptTokens: tokens.tokens };
    const output: OutputEstimate = this.#options.outputRatios
      ? await this.#options.outputRatios.expectedOutput(request, defaultTokens)
      : { source: 'default', tokens: defaultTokens };
    const price = context.config.models[candidate.model];
    return { ...priceEstimate(tokens.tokens, output.tokens, price), output };
  }

  async evaluate(candidate: Candidate, context: PolicyContext): Promise<PolicyDecision> {
    const policies = context.config.files[POLICIES_FILE] as PoliciesFile | undefined;
    const applicable = applicableBudgets(policies?.budgets ?? [], candidate, context);
    if (applicable.length === 0 && context.maxCostUsd === undefined) return { action: 'allow' };
    const now = (this.#options.now ?? (() => new Date()))();
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
    if (applicable.length === 0) return { action: 'allow' };

    // A fallback re-evaluates the request on its next candidate: its earlier hold goes first.
    await this.#end(context.invocationId, true);
    const ledger = this.#options.ledger();
    const hard = applicable.filter((entry) => entry.budget.mode === 'hard');
    const limits: SpendLimit[] = hard.map(({ budget, spendScope }) => ({
      scope: spendScope,
      period: budget.period,
      limitUsd: budget.limit_usd,
      ...(budget.timezone ? { timezone: budget.timezone } : {}),
    }));
    const scopes = [
      'global',
      `agent:${context.agent}`,
      `tool:${candidate.tool}`,
      `model:${candidate.model}`,
      `chain:${context.chainId}`,
    ];
    const notices: string[] = [];
    let outcome = await ledger.reserve({ scopes, estimateUsd, limits });
    if (!outcome.ok) {
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
        now,
      );
      if (!context.force) return { action: 'block', ...blocked, endsRequest: entry?.endsRequest ?? true };
      notices.push(`forced past: ${blocked.message} (reason: ${context.force.reason})`);
      outcome = await ledger.reserve({ scopes, estimateUsd, limits: [] });
    }
    if (outcome.ok)
      this.#holds.set(context.invocationId, {
        reservation: outcome.reservation,
        actualUsd: 0,
        succeeded: false,
      });

    let ask = false;
    for (const entry of applicable) {
      const { budget } = entry;
      const alertAt = budget.alert_at_percent ?? (budget.mode === 'soft' ? 100 : undefined);
      if (alertAt === undefined) continue;
      const spentUsd = await ledger.spent(entry.spendScope, budget.period, {
        at: now,
        ...(budget.timezone ? { timezone: budget.timezone } : {}),
      });
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

  /** Settles or releases what is still held; for dispose. */
  async close(): Promise<void> {
    for (const invocationId of [...this.#holds.keys()]) this.#track(this.#end(invocationId));
    await Promise.all([...this.#pending]);
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch(() => undefined).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  async #end(invocationId: string, release = false): Promise<void> {
    const hold = this.#holds.get(invocationId);
    if (!hold) return;
    this.#holds.delete(invocationId);
    const ledger = this.#options.ledger();
    if (release || !hold.succeeded) await ledger.release(hold.reservation);
    else await ledger.settle(hold.reservation, hold.actualUsd);
  }
}
