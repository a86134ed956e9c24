import oraExport, { type Ora } from 'ora';
import type { ExecResult, LlmServiceEvent } from '@llm-service/spec';
import type { Kernel } from '@llm-service/core';
import { forTerminal, formatUsd } from '@llm-service/plugin-kit';
import { colorsFor } from './colors.js';

export interface ProgressFlags {
  quiet?: boolean | undefined;
  verbose?: boolean | undefined;
}

export interface ProgressStreams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * ora is kept out of the bundle and required from node_modules (Node >= 20.19 requires ES modules): the bundle's
 * interop then hands over the module namespace instead of its default export.
 */
const ora: typeof oraExport =
  typeof oraExport === 'function'
    ? oraExport
    : (oraExport as unknown as { default: typeof oraExport }).default;

/** Hooks exec calls around the answer it streams, so the spinner never draws into the middle of a line. */
export interface Progress {
  beforeText(): void;
  afterText(text: string): void;
  succeeded(result: ExecResult): void;
  /** Stops drawing (on failure or interrupt); the error is reported elsewhere. */
  stop(): void;
}

/** Output tokens while the answer streams, before the tool reports its usage: about four characters a token. */
export const estimateTokens = (characters: number) => Math.round(characters / 4);

export function formatDuration(ms: number): string {
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)}s`
    : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

export { formatUsd };

/** `claude:claude-sonnet-4-6 · 1,234 in / 567 out tokens · $0.0123 · 4.2s` */
/** What the summary says of where a cost came from; a computed cost is the plain case. */
const costSourceNotes: Record<ExecResult['costSource'], string> = {
  tool: ' (reported by the tool)',
  computed: '',
  estimated: ' (estimated)',
  unknown: '',
};

export function summaryLine(result: ExecResult): string {
  const usage = result.usage;
  const input = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  const number = (value: number) => value.toLocaleString('en-US');
  const unknown = result.costSource === 'unknown';
  return [
    `${result.tool}:${result.model}`,
    unknown ? 'tokens not reported' : `${number(input)} in / ${number(usage.outputTokens)} out tokens`,
    unknown ? 'cost unknown' : `${formatUsd(result.costUsd)}${costSourceNotes[result.costSource]}`,
    formatDuration(result.latencyMs),
  ].join(' · ');
}

/**
 * What exec shows on a terminal (stderr is a TTY): a spinner with agent, tool, model, elapsed time and a live token
 * estimate; fallback and budget notices as they happen; the routing plan with --verbose; a one-line summary at the end.
 */
export function startProgress(
  kernel: Kernel,
  agent: string,
  streams: ProgressStreams,
  flags: ProgressFlags,
): Progress {
  const { stderr, stdout, env } = streams;
  const colors = colorsFor(stderr, env);
  const answerOnTerminal = stdout.isTTY === true;
  // A terminal that reports no size (`script` without one) would make the spinner's line arithmetic divide by zero.
  const sized = typeof stderr.columns === 'number' && stderr.columns > 0;
  const spinner: Ora | undefined =
    flags.quiet || !sized
      ? undefined
      : ora({ stream: stderr, discardStdin: false, hideCursor: false, color: 'cyan' });
  let current: { tool: string; model: string; startedAt: number } | undefined;
  let characters = 0;
  let midLine = false;
  let ticker: NodeJS.Timeout | undefined;

  const label = () => {
    if (!current) return `${agent}: routing`;
    const elapsed = formatDuration(Date.now() - current.startedAt);
    const tokens = characters > 0 ? ` · ≈${estimateTokens(characters).toLocaleString('en-US')} tokens` : '';
    return `${agent} → ${current.tool}:${current.model} · ${elapsed}${tokens}`;
  };
  const show = () => {
    if (!spinner || !current || midLine) return;
    spinner.text = label();
    if (!spinner.isSpinning) spinner.start();
  };
  const hide = () => {
    if (spinner?.isSpinning) spinner.stop();
  };
  /** Writes a notice above the spinner. */
  const notice = (line: string) => {
    if (flags.quiet) return;
    const wasSpinning = spinner?.isSpinning === true;
    hide();
    if (midLine && answerOnTerminal) stderr.write('\n');
    midLine = false;
    stderr.write(`${line}\n`);
    if (wasSpinning) show();
  };

  kernel.events.subscribe('cli progress', (event: LlmServiceEvent) => {
    switch (event.type) {
      case 'route.planned':
        if (event.notice !== undefined)
          notice(`${colors.yellow('llm-service:')} ${forTerminal(event.notice)}`);
        if (flags.verbose) {
          const plan = event.candidates.map(
            (candidate, index) =>
              `  ${index + 1}. ${candidate.tool}:${candidate.model} (${candidate.reason})`,
          );
          notice(`${colors.dim('llm-service: plan:')}\n${plan.join('\n')}`);
        }
        break;
      case 'policy.decided':
        if (event.action === 'rewrite' && event.rewrittenTo)
          notice(
            `${colors.cyan('llm-service:')} ${event.candidate.tool}:${event.candidate.model} → ${event.rewrittenTo.tool}:${event.rewrittenTo.model}${event.message ? ` (${forTerminal(event.message)})` : ''}`,
          );
        break;
      case 'invocation.started':
        current = { tool: event.tool, model: event.model, startedAt: Date.now() };
        characters = 0;
        if (flags.verbose)
          notice(colors.dim(`llm-service: running ${event.tool}:${event.model} (attempt ${event.attempt})`));
        show();
        ticker ??= setInterval(() => {
          if (spinner?.isSpinning) spinner.text = label();
        }, 200).unref();
        break;
      case 'invocation.output':
        characters += event.text.length;
        break;
      case 'invocation.failed':
        hide();
        break;
      case 'fallback.used':
        notice(`${colors.yellow('llm-service:')} ${forTerminal(event.message)}`);
        break;
      case 'budget.warned':
        notice(`${colors.yellow('llm-service: warning:')} ${forTerminal(event.message)}`);
        break;
      default:
        break;
    }
  });

  const stop = () => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
    hide();
  };
  return {
    beforeText: () => {
      if (answerOnTerminal) hide();
    },
    afterText: (text) => {
      if (!answerOnTerminal) return;
      midLine = !text.endsWith('\n');
      show();
    },
    succeeded: (result) => {
      stop();
      if (flags.quiet) return;
      // exec has already ended a partial last line of the answer.
      midLine = false;
      stderr.write(`${colors.green('✓')} ${colors.dim(summaryLine(result))}\n`);
    },
    stop,
  };
}
