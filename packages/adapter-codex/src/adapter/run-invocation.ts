import {
  agentOptionsOrDefaults,
  assertWorkingDirectory,
  childEnvironment,
  prepareRun,
  runWithParser,
  throwIfCancelled,
  type ToolRun,
  toolRunContext,
  withSpending,
} from '@llm-service/plugin-kit';
import { buildArgs } from '../argv/build-args.js';
import { codexAgentOptionsSchema, type CodexAgentOptions } from '../config/codex-schema.js';
import { CodexEventParser } from '../stream/event-parser.js';
import { toInvocationResult, usageOf } from '../stream/invocation-result.js';
import { classifyFailure, planLimitReading } from './classify-failure.js';
import { codexHints } from './hints.js';
import { codexTimeZone } from './reset-time.js';
import type { CodexTool } from './settings.js';

/**
 * Runs one attempt of `codex exec` to completion: checks what can be checked before starting anything, hands each
 * agent message on through `emit` as soon as codex reports it, and turns the outcome into a result or an AdapterError
 * (after a `rejected` plan reading when codex was refused on its usage limit).
 */
export const runInvocation: ToolRun<CodexTool, CodexAgentOptions> = async (
  request,
  signal,
  emit,
  reportLimits,
) => {
  const options = agentOptionsOrDefaults(request.adapterOptions, codexAgentOptionsSchema);
  const env = childEnvironment(request.env, request.tool);
  const prepared = prepareRun(request, env, { installHint: codexHints.notInstalled });
  const args = buildArgs({ model: request.model, options, configDir: request.configDir });
  if (options.working_directory !== undefined) {
    // codex would start and then fail on a missing --cd; saying so first names the option to fix.
    assertWorkingDirectory(args[args.indexOf('--cd') + 1]!, request.toolId);
  }
  throwIfCancelled(signal);

  const parser = new CodexEventParser({ onText: emit });
  const run = await runWithParser(parser, request, { ...prepared, args, env, signal });
  const failure = classifyFailure(run, parser.state, {
    ...toolRunContext(request, prepared.binaryPath),
    now: new Date(),
    timeZone: codexTimeZone(env),
  });
  // A turn that failed after earlier turns were paid for still reported what they spent.
  if (failure) {
    // The refusal is all codex says of its plan: reported as a rejected reading before the failure.
    const rejected = planLimitReading(parser.state, failure);
    if (rejected) reportLimits([rejected]);
    throw withSpending(failure, parser.state.usage && { usage: usageOf(parser.state.usage) });
  }
  throwIfCancelled(signal);
  return toInvocationResult(parser.state, {
    requestedModel: request.model,
    exitCode: run.exitCode ?? 0,
    durationMs: run.durationMs,
  });
};
