import { planRoute, UsageError, type LlmServiceError, type ResolvedConfig } from '@llm-service/core';
import { priceEstimate } from '../budget/estimate.js';
import { POLICIES_FILE, type PoliciesFile } from '../policies-schema.js';
import { selectModel } from '../selection/cost-optimization.js';
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
  plan: ReturnType<typeof planRoute>,
): Promise<{ model: string; costUsd: number }> {
  const first = plan.candidates[0]!;
  const selection = await selectModel(first, {
    config,
    settings: policies?.cost_optimization,
    taskType: request.taskType,
    explicit: plan.explicit,
    promptTokens: () => request.promptTokens,
    outputTokens: request.outputTokens,
  });
  const model = selection.action === 'rewrite' ? selection.candidate.model : first.model;
  const { costUsd } = priceEstimate(request.promptTokens, request.outputTokens, config.models[model]);
  return { model, costUsd: costUsd * request.count };
}

const percentSaved = (from: number, to: number | null) =>
  to === null || from === 0 ? null : ((from - to) / from) * 100;

/**
 * Replays requests through routing and model selection without running any tool: each request is routed as `exec`
 * would route it (its first candidate: tools are assumed installed), cost optimisation is applied as the policy plugin
 * applies it, and the request is priced from models.yaml with its own token figures. `candidate` is the config as it
 * would be with another policies.yaml.
 */
export async function simulate(request: {
  requests: readonly SimulatedRequest[];
  current: ResolvedConfig;
  candidate: ResolvedConfig | undefined;
  source: SimulationReport['source'];
  policies: SimulationReport['policies'];
}): Promise<SimulationReport> {
  const currentPolicies = request.current.files[POLICIES_FILE] as PoliciesFile | undefined;
  const candidatePolicies = request.candidate?.files[POLICIES_FILE] as PoliciesFile | undefined;
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

  for (const simulated of request.requests) {
    let plan: ReturnType<typeof planRoute>;
    try {
      plan = planRoute(request.current, { agent: simulated.agent, taskType: simulated.taskType });
    } catch (error) {
      const reason = (error as LlmServiceError).message;
      skipped.set(reason, (skipped.get(reason) ?? 0) + simulated.count);
      continue;
    }
    const requestedModel = plan.candidates[0]!.model;
    const requestedUsd =
      priceEstimate(simulated.promptTokens, simulated.outputTokens, request.current.models[requestedModel])
        .costUsd * simulated.count;
    const current = await costUnder(request.current, currentPolicies, simulated, plan);
    let candidate: { model: string; costUsd: number } | undefined;
    if (request.candidate) {
      const candidatePlan = planRoute(request.candidate, {
        agent: simulated.agent,
        taskType: simulated.taskType,
      });
      candidate = await costUnder(request.candidate, candidatePolicies, simulated, candidatePlan);
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
    onCurrent.requests += simulated.count;
    onCurrent.costUsd += current.costUsd;
    if (candidate) {
      const onCandidate = modelEntry(candidate.model).candidate!;
      onCandidate.requests += simulated.count;
      onCandidate.costUsd += candidate.costUsd;
    }
  }

  const notes = [
    'Each request runs on its first candidate (tools assumed installed); output tokens are taken as the same on any model.',
    'Escalations (a cheaper model failing or answering nothing) and budgets are not simulated.',
  ];
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
