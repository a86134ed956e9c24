import { AdapterError } from '@llm-service/spec';
import {
  agentOptionsOrDefaults,
  prepareRun,
  runWithParser,
  throwIfCancelled,
  type ToolRun,
  toolRunContext,
  withSpending,
} from '@llm-service/plugin-kit';
import { buildArgs } from '../argv/build-args.js';
import { geminiAgentOptionsSchema, type GeminiAgentOptions } from '../config/gemini-schema.js';
import { spendingOf, toInvocationResult } from '../stream/invocation-result.js';
import { GeminiStreamParser } from '../stream/stream-parser.js';
import { classifyFailure, geminiHints, quotaReading } from './classify-failure.js';
import type { GeminiTool } from './settings.js';
import { geminiChildEnvironment, installHint } from './tool-environment.js';

/** What gemini 0.61 reads of a piped stdin (`MAX_STDIN_SIZE` in its readStdin): the rest is dropped. */
export const maxStdinBytes = 8 * 1024 * 1024;

/**
 * Runs one attempt of `gemini` to completion: checks what can be checked before starting anything, streams answer
 * text through `emit` as the model produces it, and turns the outcome into a result or an AdapterError.
 */
export const runInvocation: ToolRun<GeminiTool, GeminiAgentOptions> = async (
  request,
  signal,
  emit,
  reportLimits,
) => {
  const options = agentOptionsOrDefaults(request.adapterOptions, geminiAgentOptionsSchema);
  const env = geminiChildEnvironment(request.env, request.tool);
  const prepared = prepareRun(request, env, {
    installHint,
    notInstalledHint: geminiHints.notInstalled,
  });
  if (request.prompt.byteLength > maxStdinBytes) {
    // gemini would cut the prompt at 8 MiB without a word (its warning goes to a debug log) and answer the rest.
    throw new AdapterError(
      'context-too-long',
      `the prompt is ${request.prompt.byteLength} bytes; gemini reads at most ${maxStdinBytes} bytes from stdin and would cut the rest off`,
      { hint: geminiHints['context-too-long'] },
    );
  }
  const args = buildArgs({ model: request.model, options, configDir: request.configDir });
  throwIfCancelled(signal);

  const parser = new GeminiStreamParser({ onText: emit });
  const run = await runWithParser(parser, request, { ...prepared, args, env, signal });
  const failure = classifyFailure(run, parser.state, {
    ...toolRunContext(request, prepared.binaryPath),
    endedAt: new Date(),
  });
  const rejected = failure && quotaReading(failure);
  if (rejected) reportLimits([rejected]);
  // A run that failed after paid turns (a tool failure, the turn limit) still reported what it spent.
  if (failure) throw withSpending(failure, spendingOf(parser.state.result));
  throwIfCancelled(signal);
  return toInvocationResult(parser.state, parser.state.result!, {
    requestedModel: request.model,
    exitCode: run.exitCode ?? 0,
    processDurationMs: run.durationMs,
  });
};
