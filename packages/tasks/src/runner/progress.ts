import type { TaskTokensV1, TaskV1 } from '@llm-service/spec';
import { forTerminal, formatUsd, roundFigures } from '@llm-service/plugin-kit';

/** How a task's run ended, as `--json` prints it (one object a line, `type: "task"`). */
export interface TaskOutcome {
  id: string;
  agent: string;
  title: string;
  /** The status the runner left it in; `assigned`: put back (interrupted); `lost`: another runner took it over. */
  status: 'done' | 'error' | 'blocked' | 'assigned' | 'lost';
  tool: string | null;
  model: string | null;
  attempts: number;
  /** Summed over every attempt (fallbacks and escalations included); attempts of unknown cost are not in it. */
  costUsd: number;
  unknownCostAttempts: number;
  tokens: TaskTokensV1;
  chainId: string;
  /** The answer file, relative to the work directory. */
  answer: string | null;
  summary: string | null;
  nextAgent: string | null;
  /** The follow-up task the hand-off created (or found, from an earlier run). */
  followUp: string | null;
  error: { kind: string; message: string } | null;
  durationMs: number;
  /** What the run noticed but did not stop for (a hand-off block that could not be read, a missing artefact). */
  warnings: string[];
}

/** The last line of `--json` (`type: "summary"`). */
export interface RunSummary {
  /** Distinct tasks run. */
  tasks: number;
  /** Their runs: more than `tasks` when a task ran again under `--watch` (blocked, then put back). */
  runs: number;
  done: number;
  error: number;
  blocked: number;
  /** Put back to `assigned` by Ctrl-C or SIGTERM. */
  interrupted: number;
  lost: number;
  /** Follow-up tasks the hand-offs created. */
  created: number;
  costUsd: number;
  durationMs: number;
  exitCode: number;
}

/** A task `--dry-run` would run (`--dry-run --json`: `type: "planned"`). */
export interface PlannedTask {
  id: string;
  agent: string;
  title: string;
  priority: string;
  /** The prompt's size in bytes, context blocks included. */
  promptBytes: number;
  contextFiles: number;
  /** The first candidate of its route and its estimated cost (null where no estimate can be made). */
  tool: string | null;
  model: string | null;
  estimatedCostUsd: number | null;
  /** Why it would be refused instead of run (a context path outside the project, say). */
  refused: string | null;
}

export interface Reporter {
  started(task: TaskV1, chainId: string): void;
  finished(outcome: TaskOutcome): void;
  /** Something the user should know (a recovered task, a task that cannot run); stderr. */
  notice(message: string): void;
  planned(task: PlannedTask): void;
  summary(summary: RunSummary, extra?: { dryRun?: { runnable: number; waiting: number } }): void;
  close(): void;
}

export interface ReporterIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  interactive: boolean;
  color: boolean;
}

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

function costText(outcome: Pick<TaskOutcome, 'costUsd' | 'unknownCostAttempts' | 'attempts'>): string {
  if (outcome.attempts === 0) return 'no attempt';
  const known = formatUsd(outcome.costUsd);
  return outcome.unknownCostAttempts > 0
    ? `${known} + ${outcome.unknownCostAttempts} of unknown cost`
    : known;
}

/**
 * One line for a finished task, as both the plain and the live output print it. Text from outside (a tool's message)
 * is shown redacted and with its control characters as text; ids, agents and paths are ours and shown as they are
 * (the redaction would take a long path for a key).
 */
export function describeOutcome(outcome: TaskOutcome): string {
  const head = `${outcome.id} (${outcome.agent})`;
  const took = seconds(outcome.durationMs);
  const attempts = `${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}`;
  switch (outcome.status) {
    case 'done': {
      const via = outcome.tool ? ` on ${outcome.tool}:${outcome.model ?? '?'}` : '';
      const next = outcome.followUp ? `; handed off to ${outcome.nextAgent}: ${outcome.followUp}` : '';
      return `done ${head} in ${took}${via}, ${costText(outcome)}, ${attempts}; answer ${outcome.answer}${next}`;
    }
    case 'error':
      return `error ${head} after ${took}, ${costText(outcome)}: ${outcome.error?.kind}: ${forTerminal(outcome.error?.message ?? '')}`;
    case 'blocked':
      return `blocked ${head}: ${forTerminal(outcome.error?.message ?? '')}`;
    case 'assigned':
      return `put back ${head} to assigned: ${forTerminal(outcome.error?.message ?? 'interrupted')}`;
    case 'lost':
      return `lost ${head}: ${forTerminal(outcome.error?.message ?? 'another runner took it over')}`;
  }
}

function describePlanned(task: PlannedTask, index: number): string {
  const size = `${task.promptBytes.toLocaleString('en-US')} bytes`;
  const files =
    task.contextFiles > 0 ? ` (${task.contextFiles} context file${task.contextFiles === 1 ? '' : 's'})` : '';
  const route = task.tool ? ` on ${task.tool}:${task.model}` : '';
  const cost = task.estimatedCostUsd === null ? '' : `, about ${formatUsd(task.estimatedCostUsd)}`;
  const refused = task.refused ? `; would be refused: ${forTerminal(task.refused)}` : '';
  return `${index}. ${task.id} (${task.agent}, ${task.priority}) ${forTerminal(task.title)}: prompt ${size}${files}${route}${cost}${refused}`;
}

function describeSummary(summary: RunSummary): string {
  const parts = [`${summary.done} done`];
  if (summary.error > 0) parts.push(`${summary.error} error`);
  if (summary.blocked > 0) parts.push(`${summary.blocked} blocked`);
  if (summary.interrupted > 0) parts.push(`${summary.interrupted} put back`);
  if (summary.lost > 0) parts.push(`${summary.lost} lost`);
  if (summary.created > 0)
    parts.push(`${summary.created} follow-up${summary.created === 1 ? '' : 's'} created`);
  const runs = summary.runs > summary.tasks ? ` in ${summary.runs} runs` : '';
  return `tasks run: ${summary.tasks} task${summary.tasks === 1 ? '' : 's'}${runs} (${parts.join(', ')}) in ${seconds(summary.durationMs)}, ${formatUsd(summary.costUsd)}`;
}

const style = (enabled: boolean) => ({
  green: (text: string) => (enabled ? `\u001b[32m${text}\u001b[39m` : text),
  red: (text: string) => (enabled ? `\u001b[31m${text}\u001b[39m` : text),
  yellow: (text: string) => (enabled ? `\u001b[33m${text}\u001b[39m` : text),
  dim: (text: string) => (enabled ? `\u001b[2m${text}\u001b[22m` : text),
});

/**
 * Plain lines (stdout not a terminal): `started …` and one line per finished task on stdout, notices on stderr.
 * `--json`: only the NDJSON objects on stdout (`task` per finished task, then `summary`), notices on stderr.
 */
export function createReporter(io: ReporterIo, json: boolean): Reporter {
  if (json) return jsonReporter(io);
  return io.interactive ? liveReporter(io) : plainReporter(io);
}

function jsonReporter(io: ReporterIo): Reporter {
  const write = (value: object) => io.stdout.write(`${JSON.stringify(value, roundFigures)}\n`);
  return {
    started: () => undefined,
    finished: (outcome) => write({ type: 'task', ...outcome }),
    notice: (message) => io.stderr.write(`llm-service: ${forTerminal(message)}\n`),
    planned: (task) => write({ type: 'planned', ...task }),
    summary: (summary, extra) =>
      write(
        extra?.dryRun
          ? { type: 'summary', dryRun: true, runnable: extra.dryRun.runnable, waiting: extra.dryRun.waiting }
          : { type: 'summary', ...summary },
      ),
    close: () => undefined,
  };
}

function plainReporter(io: ReporterIo): Reporter {
  let plannedIndex = 0;
  return {
    started: (task) =>
      io.stdout.write(`started ${task.id} (${task.agent}): ${forTerminal(clip(task.title, 120))}\n`),
    finished: (outcome) => {
      io.stdout.write(`${describeOutcome(outcome)}\n`);
      for (const warning of outcome.warnings)
        io.stderr.write(`llm-service: ${outcome.id}: ${forTerminal(warning)}\n`);
    },
    notice: (message) => io.stderr.write(`llm-service: ${forTerminal(message)}\n`),
    planned: (task) => io.stdout.write(`${describePlanned(task, ++plannedIndex)}\n`),
    summary: (summary, extra) =>
      io.stdout.write(
        extra?.dryRun
          ? `tasks run --dry-run: ${extra.dryRun.runnable} runnable now, ${extra.dryRun.waiting} waiting for dependencies; nothing was changed\n`
          : `${describeSummary(summary)}\n`,
      ),
    close: () => undefined,
  };
}

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * On a terminal: a live line per running task (spinner, id, agent, title, elapsed time) kept at the bottom, and a
 * permanent line above it as each task ends.
 */
function liveReporter(io: ReporterIo): Reporter {
  const colors = style(io.color);
  const running = new Map<string, { task: TaskV1; since: number }>();
  let drawn = 0;
  let frame = 0;
  let plannedIndex = 0;
  const out = io.stdout as NodeJS.WritableStream & { columns?: number };
  const clear = () => {
    if (drawn > 0) out.write(`\u001b[${drawn}A\u001b[J`);
    drawn = 0;
  };
  const draw = () => {
    const width = Math.max(40, (out.columns ?? 100) - 1);
    const lines = [...running.values()].map(({ task, since }) => {
      // Clipped before it is coloured, so an escape sequence is never cut and the time always shows.
      const time = seconds(Date.now() - since);
      const text = clip(`${task.id} (${task.agent}) ${forTerminal(task.title)}`, width - time.length - 3);
      return `${colors.dim(spinner[frame % spinner.length]!)} ${text} ${colors.dim(time)}`;
    });
    for (const line of lines) out.write(`${line}\n`);
    drawn = lines.length;
  };
  const timer = setInterval(() => {
    if (running.size === 0) return;
    frame += 1;
    clear();
    draw();
  }, 250);
  timer.unref();
  const above = (line: string) => {
    clear();
    out.write(`${line}\n`);
    draw();
  };
  return {
    started: (task) => {
      running.set(task.id, { task, since: Date.now() });
      clear();
      draw();
    },
    finished: (outcome) => {
      running.delete(outcome.id);
      const mark =
        outcome.status === 'done'
          ? colors.green('✓')
          : outcome.status === 'blocked' || outcome.status === 'assigned'
            ? colors.yellow('■')
            : colors.red('✗');
      above(`${mark} ${describeOutcome(outcome)}`);
      for (const warning of outcome.warnings) above(colors.dim(`  ${forTerminal(warning)}`));
    },
    notice: (message) => above(colors.yellow(`llm-service: ${forTerminal(message)}`)),
    planned: (task) => above(describePlanned(task, ++plannedIndex)),
    summary: (summary, extra) =>
      above(
        extra?.dryRun
          ? `tasks run --dry-run: ${extra.dryRun.runnable} runnable now, ${extra.dryRun.waiting} waiting for dependencies; nothing was changed`
          : describeSummary(summary),
      ),
    close: () => {
      clearInterval(timer);
      clear();
    },
  };
}
