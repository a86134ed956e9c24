import type { RoutePlan } from '@llm-service/spec';
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

export async function runRoute(options: RequestOptions, context: CliContext): Promise<number> {
  const kernel = kernelFor(options, context);
  const plan = await kernel.route({
    agent: options.agent,
    taskType: options.taskType,
    tool: options.tool,
    model: options.model,
    noFallback: !options.fallback,
  });
  const installed = new Map<string, string>();
  const detections = new Map<
    string,
    { installed: boolean; version?: string; path?: string; problem?: string }
  >();
  for (const tool of new Set(plan.candidates.map((candidate) => candidate.tool))) {
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
    const candidates = plan.candidates.map((candidate) => ({
      ...candidate,
      detected: detections.get(candidate.tool),
    }));
    context.io.stdout.write(
      `${JSON.stringify({ agent: plan.agent, explicit: plan.explicit, candidates }, null, 2)}\n`,
    );
  } else {
    context.io.stdout.write(describePlan(plan, installed));
  }
  return 0;
}
