import { UsageError, type ExecResult, type LlmServiceEvent } from '@llm-service/spec';
import type { Kernel } from '@llm-service/core';
import { colorsFor } from '../io/colors.js';
import { readContextFiles, readPrompt } from '../io/read-input.js';
import { forTerminal, roundFigures, writeFileAtomicSync as writeFileAtomic } from '@llm-service/plugin-kit';
import type { CliContext, ExecFlags } from '../program.js';
import { kernelFor } from './kernel-for.js';
import { describePlan } from './route.js';
import type { RequestOptions } from './shared-options.js';

/** The documented `--json` shape (DESIGN section 4); field order is stable. */
export function toJsonResult(result: ExecResult): Record<string, unknown> {
  return {
    text: result.text,
    agent: result.agent,
    tool: result.tool,
    model: result.model,
    reason: result.reason,
    usage: result.usage,
    // An unknown cost has no figure: null, never 0.
    costUsd: result.costSource === 'unknown' ? null : result.costUsd,
    costSource: result.costSource,
    latencyMs: result.latencyMs,
    invocationId: result.invocationId,
    chainId: result.chainId,
    attempts: result.attempts,
  };
}

function renderNotices(kernel: Kernel, context: CliContext, flags: ExecFlags): void {
  const { stderr, env } = context.io;
  const colors = colorsFor(stderr, env);
  if (flags.quiet) return;
  kernel.events.subscribe('cli notices', (event: LlmServiceEvent) => {
    switch (event.type) {
      case 'fallback.used':
        stderr.write(`${colors.yellow('llm-service:')} ${event.message}\n`);
        break;
      case 'budget.warned':
        stderr.write(`${colors.yellow('llm-service: warning:')} ${event.message}\n`);
        break;
      case 'route.planned':
        if (event.notice !== undefined)
          stderr.write(`${colors.yellow('llm-service:')} ${forTerminal(event.notice)}\n`);
        if (flags.verbose) {
          const plan = event.candidates.map(
            (candidate, index) =>
              `  ${index + 1}. ${candidate.tool}:${candidate.model} (${candidate.reason})`,
          );
          stderr.write(`${colors.dim('llm-service: plan:')}\n${plan.join('\n')}\n`);
        }
        break;
      case 'invocation.started':
        if (flags.verbose)
          stderr.write(
            `${colors.dim(`llm-service: running ${event.tool}:${event.model} (attempt ${event.attempt})`)}\n`,
          );
        break;
      default:
        break;
    }
  });
}

export async function runExec(options: RequestOptions & ExecFlags, context: CliContext): Promise<number> {
  const { io } = context;
  if (options.force && !options.reason) {
    throw new UsageError('--force needs --reason "why this run must go ahead"', {
      hint: 'the reason is recorded with the invocation',
    });
  }
  if (options.json && options.output) throw new UsageError('give either --json or --output, not both');
  const kernel = kernelFor(options, context);
  const request = {
    agent: options.agent,
    taskType: options.taskType,
    tool: options.tool,
    model: options.model,
    noFallback: !options.fallback,
  };
  if (options.dryRun) {
    const plan = await kernel.route(request);
    io.stdout.write(options.json ? `${JSON.stringify(plan, null, 2)}\n` : describePlan(plan));
    return 0;
  }
  const prompt = await readPrompt(options, io);
  const context_ = readContextFiles(options.context ?? []);
  // On a terminal: spinner, live notices and a summary (ora loads only here); elsewhere plain notice lines.
  const progress = io.stderr.isTTY
    ? (await import('../io/progress.js')).startProgress(kernel, options.agent, io, options)
    : undefined;
  if (!progress) renderNotices(kernel, context, options);

  const abort = new AbortController();
  let interruptCode = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interruptCode !== 0) process.exit(interruptCode);
    interruptCode = signal === 'SIGINT' ? 130 : 143;
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const streamToStdout = !options.json && !options.output;
  let stdoutClosed = false;
  let endsWithNewline = true;
  io.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // `exec | head`: the reader went away; stop the tool and end quietly.
    if (error.code === 'EPIPE') {
      stdoutClosed = true;
      abort.abort();
    }
  });
  try {
    const result = await kernel.exec(
      {
        ...request,
        prompt,
        context: context_,
        timeoutS: options.timeout,
        chainId: options.chainId,
        maxCostUsd: options.maxCostUsd,
        yes: options.yes,
        force: options.force && options.reason ? { reason: options.reason } : undefined,
      },
      {
        signal: abort.signal,
        onText: (text) => {
          if (!streamToStdout || stdoutClosed) return;
          progress?.beforeText();
          io.stdout.write(text);
          endsWithNewline = text.endsWith('\n');
          progress?.afterText(text);
        },
      },
    );
    if (options.output) writeFileAtomic(options.output, result.text);
    else if (options.json) io.stdout.write(`${JSON.stringify(toJsonResult(result), roundFigures, 2)}\n`);
    else if (!endsWithNewline && io.stdout.isTTY) io.stdout.write('\n');
    progress?.succeeded(result);
    return 0;
  } catch (error) {
    if (stdoutClosed) return 0;
    if (interruptCode !== 0) return interruptCode;
    throw error;
  } finally {
    progress?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
