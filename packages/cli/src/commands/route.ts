import type { CandidatePreview, RoutePlan } from '@llm-service/spec';
import { formatUsd, roundFigures } from '@llm-service/plugin-kit';
import { readContextFiles, readPrompt } from '../io/read-input.js';
import type { CliContext } from '../program.js';
import { kernelFor } from './kernel-for.js';
import type { RequestOptions } from './shared-options.js';

export function describePlan(plan: RoutePlan, installed?: ReadonlyMap<string, string>): string {
  const lines = [
    `agent ${plan.agent}: ${plan.candidates.length} candidate${plan.candidates.length === 1 ? '' : 's'}, tried in order`,
  ];
  plan.candidates.forEach((candidate, index) => {
    const state = installed?.get(candidate.tool);
    lines.push(
      `  ${index + 1}. ${candidate.tool}:${candidate.model}  (${candidate.reason})${state ? `  ${state}` : ''}`,
    );
  });
  if (plan.explicit)
    lines.push('  the first candidate was chosen explicitly: cost optimisation will not rewrite it');
  if (plan.notice !== undefined) lines.push(`  note: ${plan.notice}`);
  return `${lines.join('\n')}\n`;
}

/** `allow`, `block: over the daily budget…`: what each policy would decide, on one line. */
function describeDecisions(candidate: CandidatePreview): string {
  const decided = candidate.decisions.filter((decision) => decision.action !== 'allow');
  if (candidate.decisions.length === 0) return 'no policies';
  if (decided.length === 0) return 'allowed by every policy';
  return decided
    .map((decision) => {
      const target = decision.rewrittenTo
        ? ` to ${decision.rewrittenTo.tool}:${decision.rewrittenTo.model}`
        : '';
      return `${decision.policy}: ${decision.action}${target}${decision.message ? ` (${decision.message})` : ''}`;
    })
    .join('; ');
}

function describeEstimate(candidate: CandidatePreview): string {
  if (candidate.estimatedCostUsd === null)
    return candidate.estimatedUsage
      ? 'no price for this model'
      : 'no estimate (no loaded plugin estimates costs)';
  const usage = candidate.estimatedUsage;
  const tokens = usage ? ` (${usage.inputTokens} in + ${usage.outputTokens} expected out tokens)` : '';
  return `about ${formatUsd(candidate.estimatedCostUsd)}${tokens}`;
}

export async function runRoute(options: RequestOptions, context: CliContext): Promise<number> {
  const kernel = kernelFor(options, context);
  // Only a prompt given explicitly is read: `route` never waits on stdin unless told to with `--prompt-file -`.
  const given = options.prompt !== undefined || options.promptFile !== undefined;
  const prompt = given ? await readPrompt(options, context.io) : new Uint8Array();
  const preview = await kernel.preview({
    agent: options.agent,
    taskType: options.taskType,
    tool: options.tool,
    model: options.model,
    noFallback: !options.fallback,
    prompt,
    context: readContextFiles(options.context ?? []),
    chainId: options.chainId,
    maxCostUsd: options.maxCostUsd,
  });
  const installed = new Map<string, string>();
  const detections = new Map<
    string,
    { installed: boolean; version?: string; path?: string; problem?: string }
  >();
  for (const tool of new Set(preview.candidates.map((candidate) => candidate.tool))) {
    const detected = await kernel.detect(tool);
    detections.set(tool, detected);
    installed.set(
      tool,
      detected.installed
        ? `installed${detected.version ? ` (${detected.version})` : ''}`
        : `not available: ${detected.problem ?? 'not installed'}`,
    );
  }
  if (options.json) {
    const candidates = preview.candidates.map((candidate) => ({
      ...candidate,
      detected: detections.get(candidate.tool),
    }));
    const answer = {
      agent: preview.agent,
      explicit: preview.explicit,
      ...(preview.notice === undefined ? {} : { notice: preview.notice }),
      promptGiven: given,
      candidates,
    };
    context.io.stdout.write(`${JSON.stringify(answer, roundFigures, 2)}\n`);
    return 0;
  }
  const lines = describePlan(preview, installed).trimEnd().split('\n');
  const out = [lines[0]!];
  preview.candidates.forEach((candidate, index) => {
    out.push(lines[index + 1]!);
    out.push(`       policies: ${describeDecisions(candidate)}`);
    out.push(`       estimate: ${describeEstimate(candidate)}`);
  });
  out.push(...lines.slice(preview.candidates.length + 1));
  if (!given)
    out.push(
      '  no prompt given: estimates count no prompt tokens (pass --prompt-file FILE or --prompt TEXT)',
    );
  context.io.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
