import {
  UsageError,
  type Candidate,
  type LlmServiceError,
  type ResolvedConfig,
  type RoutePlan,
  type RouteRequest,
} from '@llm-service/spec';
import { priceEstimate } from '../budget/estimate.js';
import { POLICIES_FILE, type PoliciesFile } from '../policies-schema.js';
import { selectModel } from '../selection/cost-optimization.js';
import { BudgetReplay } from './budget-replay.js';
import type { SimulatedRequest } from './workload.js';

/** Costs of one group of requests under each policy set. */
export interface SimulatedCosts {
  requests: number;
  /** Every request on the model its agent asks for (no model selection). */
  requestedUsd: number;
  currentUsd: number;
  /** null without --policies. */
  candidateUsd: number | null;
}

export interface SimulatedModel {
  model: string;
  requested: { requests: number; costUsd: number };
  current: { requests: number; costUsd: number };
  candidate: { requests: number; costUsd: number } | null;
}

/** The documented `simulate --json` shape; fields are only ever added. */
export interface SimulationReport {
  version: 1;
  source: { kind: 'workload'; path: string } | { kind: 'telemetry'; since: string };
  policies: { current: string; candidate: string | null };
  total: SimulatedCosts & {
    /** Saved by the candidate policies against the current ones, in percent (null without --policies). */
    candidateSavedPercent: number | null;
    /** Saved by the current policies against always running the requested models, in percent. */
    currentSavedPercent: number | null;
    candidateVsRequestedPercent: number | null;
  };
  /**
   * Requests hard budgets would have blocked under each policy set (their cost is not in the totals above), replayed
   * in time order; only requests with a time (`at`, or from telemetry) are charged against budgets.
   */
  blockedByBudgets: {
    current: { requests: number; costUsd: number };
    candidate: { requests: number; costUsd: number } | null;
    /** Requests without a time, which budgets could not be replayed for. */
    untimedRequests: number;
  };
  byAgent: (SimulatedCosts & { agent: string })[];
  byModel: SimulatedModel[];
  /** Requests that could not be routed (e.g. an agent no longer configured), by reason. */
  skipped: { reason: string; requests: number }[];
  notes: string[];
}

/** What one policy set makes of a request: the model that runs and what it costs. */
async function costUnder(
  config: ResolvedConfig,
  policies: PoliciesFile | undefined,
  request: SimulatedRequest,
  plan: RoutePlan,
): Promise<{ candidate: Candidate; unitUsd: number }> {
  const first = plan.candidates[0]!;
  const selection = await selectModel(first, {
    config,
    settings: policies?.cost_optimization,
    taskType: request.taskType,
    explicit: plan.explicit,
    promptTokens: () => request.promptTokens,
    outputTokens: request.outputTokens,
  });
  const candidate = selection.action === 'rewrite' ? selection.candidate : first;
  const { costUsd } = priceEstimate(
    request.promptTokens,
    request.outputTokens,
    config.models[candidate.model],
  );
  return { candidate, unitUsd: costUsd };
}

/** Runs `count` alike requests past a policy set's budgets: how many run and what they cost. */
function runPast(
  budgets: BudgetReplay,
  request: SimulatedRequest,
  priced: { candidate: Candidate; unitUsd: number },
  blocked: { requests: number; costUsd: number },
  config: Pick<ResolvedConfig, 'project' | 'tools'>,
): { model: string; requests: number; costUsd: number } {
  let requests = request.count;
  if (budgets.active && request.at) {
    const charged = {
      project: request.project ?? config.project,
      agent: request.agent,
      chainId: request.chainId ?? '',
      at: request.at,
      billing: config.tools[priced.candidate.tool]?.billing ?? 'api',
    };
    requests = 0;
    for (let unit = 0; unit < request.count; unit++) {
      if (budgets.charge(priced.candidate, charged, priced.unitUsd)) requests++;
    }
    blocked.requests += request.count - requests;
    blocked.costUsd += (request.count - requests) * priced.unitUsd;
  }
  return { model: priced.candidate.model, requests, costUsd: requests * priced.unitUsd };
}

const percentSaved = (from: number, to: number | null) =>
  to === null || from === 0 ? null : ((from - to) / from) * 100;

/**
 * Replays requests through routing and model selection without running any tool: each request is routed as `exec`
 * would route it (its first candidate: tools are assumed installed), cost optimisation is applied as the policy plugin
 * applies it, and the request is priced from models.yaml with its own token figures. `candidate` is the config as it
 * would be with another policies.yaml. `route` is the kernel's: routing reads agents and tools, which a policies file
 * does not change, so one plan serves both configs.
 */
export async function simulate(request: {
  requests: readonly SimulatedRequest[];
  route: (request: RouteRequest) => Promise<RoutePlan>;
  current: ResolvedConfig;
  candidate: ResolvedConfig | undefined;
  source: SimulationReport['source'];
  policies: SimulationReport['policies'];
}): Promise<SimulationReport> {
  const currentPolicies = request.current.files[POLICIES_FILE] as PoliciesFile | undefined;
  const candidatePolicies = request.candidate?.files[POLICIES_FILE] as PoliciesFile | undefined;
  const currentBudgets = new BudgetReplay(currentPolicies?.budgets ?? []);
  const candidateBudgets = new BudgetReplay(candidatePolicies?.budgets ?? []);
  const blocked: SimulationReport['blockedByBudgets'] = {
    current: { requests: 0, costUsd: 0 },
    candidate: request.candidate ? { requests: 0, costUsd: 0 } : null,
    untimedRequests: 0,
  };
  // Budgets accumulate in time order; requests without a time keep their place after the timed ones.
  const timeOf = (simulated: SimulatedRequest) => simulated.at?.getTime() ?? Number.MAX_SAFE_INTEGER;
  const ordered = [...request.requests].sort((left, right) => timeOf(left) - timeOf(right));
  const agents = new Map<string, SimulatedCosts>();
  const models = new Map<string, SimulatedModel>();
  const skipped = new Map<string, number>();
  const total: SimulatedCosts = {
    requests: 0,
    requestedUsd: 0,
    currentUsd: 0,
    candidateUsd: request.candidate ? 0 : null,
  };
  const modelEntry = (model: string) => {
    let entry = models.get(model);
    if (!entry) {
      entry = {
        model,
        requested: { requests: 0, costUsd: 0 },
        current: { requests: 0, costUsd: 0 },
        candidate: request.candidate ? { requests: 0, costUsd: 0 } : null,
      };
      models.set(model, entry);
    }
    return entry;
  };

  for (const simulated of ordered) {
    let plan: RoutePlan;
    try {
      plan = await request.route({ agent: simulated.agent, taskType: simulated.taskType });
    } catch (error) {
      const reason = (error as LlmServiceError).message;
      skipped.set(reason, (skipped.get(reason) ?? 0) + simulated.count);
      continue;
    }
    const requestedModel = plan.candidates[0]!.model;
    const requestedUsd =
      priceEstimate(simulated.promptTokens, simulated.outputTokens, request.current.models[requestedModel])
        .costUsd * simulated.count;
    if (!simulated.at) blocked.untimedRequests += simulated.count;
    const current = runPast(
      currentBudgets,
      simulated,
      await costUnder(request.current, currentPolicies, simulated, plan),
      blocked.current,
      request.current,
    );
    let candidate: { model: string; requests: number; costUsd: number } | undefined;
    if (request.candidate) {
      candidate = runPast(
        candidateBudgets,
        simulated,
        await costUnder(request.candidate, candidatePolicies, simulated, plan),
        blocked.candidate!,
        request.candidate,
      );
    }

    let agent = agents.get(simulated.agent);
    if (!agent) {
      agent = { requests: 0, requestedUsd: 0, currentUsd: 0, candidateUsd: request.candidate ? 0 : null };
      agents.set(simulated.agent, agent);
    }
    for (const costs of [agent, total]) {
      costs.requests += simulated.count;
      costs.requestedUsd += requestedUsd;
      costs.currentUsd += current.costUsd;
      if (candidate && costs.candidateUsd !== null) costs.candidateUsd += candidate.costUsd;
    }
    const requested = modelEntry(requestedModel).requested;
    requested.requests += simulated.count;
    requested.costUsd += requestedUsd;
    const onCurrent = modelEntry(current.model).current;
    onCurrent.requests += current.requests;
    onCurrent.costUsd += current.costUsd;
    if (candidate) {
      const onCandidate = modelEntry(candidate.model).candidate!;
      onCandidate.requests += candidate.requests;
      onCandidate.costUsd += candidate.costUsd;
    }
  }

  const notes = [
    'Each request runs on its first candidate (tools assumed installed); output tokens are taken as the same on any model.',
    'Escalations (a cheaper model failing or answering nothing) are not simulated: they need the answers.',
  ];
  if (currentBudgets.active || candidateBudgets.active) {
    notes.push(
      blocked.untimedRequests > 0
        ? `Hard budgets were replayed in time order for requests with a time; ${blocked.untimedRequests} requests have none ("at" in the workload) and were not charged.`
        : 'Hard budgets were replayed in time order; blocked requests are not in the costs.',
    );
  }
  if (!currentPolicies?.cost_optimization?.enabled)
    notes.push('The current policies do not enable cost_optimization: current = requested models.');
  return {
    version: 1,
    source: request.source,
    policies: request.policies,
    total: {
      ...total,
      candidateSavedPercent: percentSaved(total.currentUsd, total.candidateUsd),
      currentSavedPercent: percentSaved(total.requestedUsd, total.currentUsd),
      candidateVsRequestedPercent: percentSaved(total.requestedUsd, total.candidateUsd),
    },
    blockedByBudgets: blocked,
    byAgent: [...agents.entries()]
      .map(([agent, costs]) => ({ agent, ...costs }))
      .sort((left, right) => right.requestedUsd - left.requestedUsd),
    byModel: [...models.values()].sort(
      (left, right) =>
        Math.max(right.requested.costUsd, right.current.costUsd) -
        Math.max(left.requested.costUsd, left.current.costUsd),
    ),
    skipped: [...skipped.entries()].map(([reason, requests]) => ({ reason, requests })),
    notes,
  };
}

/** A usage error for a report with nothing to compare. */
export function assertSimulated(report: SimulationReport): void {
  if (report.total.requests === 0) {
    const why = report.skipped.map((entry) => `${entry.requests} × ${entry.reason}`).join('; ');
    throw new UsageError(`no request could be simulated${why ? `: ${why}` : ''}`);
  }
}
