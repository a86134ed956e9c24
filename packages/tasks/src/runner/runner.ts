import {
  isAdapterError,
  isLlmServiceError,
  type ContextFile,
  type ExecResult,
  type KernelHandle,
  type ResolvedConfig,
  type TaskChangeV1,
  type TaskEvent,
  type TaskResultV1,
  type TaskStoreV1,
  type TaskV1,
} from '@llm-service/spec';
import { writeFileInside } from '@llm-service/plugin-kit';
import { parseAnswer } from './answer.js';
import { CostTracker, type TaskSpending } from './cost-tracker.js';
import { chainOf, planHandOff } from './handoff.js';
import { LEASE_RENEW_MS, runFolderOf, type HeldLease, type Leases } from './lease.js';
import type { RunOptions, RunnerSettings } from './options.js';
import { compareTasks, selectRunnable } from './order.js';
import type { Reporter, RunSummary, TaskOutcome } from './progress.js';
import { buildTaskPrompt, checkContextPath, promptBytes, readContext, type NamedPath } from './prompt.js';

/** Under `--watch`: how often to look again without a change (a lease gone stale makes no file event). */
export const WATCH_POLL_MS = 5_000;
/** Under `--watch`: how often tasks a budget blocked are checked again against a fresh estimate. */
export const BLOCKED_RECHECK_MS = 60_000;
/** How long a listing or a move is tried again while the work directory's lock is held by someone else. */
const LOCKED_RETRY_MS = 90_000;

export interface RunnerContext {
  kernel: KernelHandle;
  store: TaskStoreV1;
  config: ResolvedConfig;
  settings: RunnerSettings;
  options: RunOptions;
  reporter: Reporter;
  leases: Leases;
  env: Readonly<Record<string, string | undefined>>;
  /** Who puts tasks back, for the notes: `pid 41 on build-1`. */
  runnerName: string;
  renewMs?: number;
  pollMs?: number;
  blockedRecheckMs?: number;
  now?: () => Date;
}

interface Running {
  abort: AbortController;
  done: Promise<void>;
}

type Prepared =
  { ok: true; prompt: string; context: ContextFile[]; warnings: string[] } | { ok: false; message: string };

const isoNow = (now: Date) => now.toISOString().replace(/\.\d{3}Z$/, 'Z');
const codeOf = (error: unknown) => (isLlmServiceError(error) ? error.code : undefined);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
/** One line: errors quoted into a task file or a progress line must not break either. */
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/** The kind a failed run is recorded with: the adapter's failure kind, else a word for the error's code. */
export function failureKind(error: unknown, spending: Pick<TaskSpending, 'lastFailureKind'>): string {
  if (isAdapterError(error)) return error.kind;
  if (isLlmServiceError(error)) {
    const cause = (error as { cause?: unknown }).cause;
    if (isAdapterError(cause)) return cause.kind;
    if (error.code === 'E_NO_AVAILABLE_TOOL') return spending.lastFailureKind ?? 'no-available-tool';
    return error.code.replace(/^E_/, '').toLowerCase().replaceAll('_', '-');
  }
  return 'internal';
}

/** The message a failure is recorded with: the error's, with its hint (what to do about it), on one line. */
/** When a policy's block lifts (a plan window's reset), when it said: ms since the epoch. */
function resumeAtOf(error: unknown): number | undefined {
  // By its fields, not `instanceof`: the error comes from whichever copy of the spec the kernel was built with.
  const resumeAt: unknown =
    codeOf(error) === 'E_POLICY_BLOCKED' ? (error as { resumeAt?: unknown }).resumeAt : undefined;
  if (typeof resumeAt !== 'string') return undefined;
  const time = Date.parse(resumeAt);
  return Number.isNaN(time) ? undefined : time;
}

export function failureMessage(error: unknown): string {
  const hint = isLlmServiceError(error) && error.hint ? `; ${error.hint}` : '';
  return oneLine(`${messageOf(error)}${hint}`);
}

/**
 * Runs the runnable tasks of a work directory through the kernel, `concurrency` at a time, each claimed by a lease
 * first (see lease.ts), then moved to `in_progress` at the revision read. See docs/tasks.md, "Running tasks".
 */
export class TaskRunner {
  readonly #context: RunnerContext;
  readonly #costs: CostTracker;
  readonly #running = new Map<string, Running>();
  readonly #outcomes: TaskOutcome[] = [];
  readonly #reported = new Set<string>();
  #tasks = new Map<string, TaskV1>();
  #queue: TaskV1[] = [];
  /** `--once`: the tasks runnable at the start not yet tried. */
  #onceIds: Set<string> | undefined;
  #claimed = 0;
  #created = 0;
  #interruptCode = 0;
  #stopping = false;
  #woken = false;
  #wake: (() => void) | undefined;
  #lastBlockedCheck = 0;
  /**
   * Tasks a policy deferred under `--watch` (a plan window over its threshold), by id: when each may run again. Kept
   * in this runner only: another runner that picks such a task meets the same block before anything runs, and defers
   * it too.
   */
  readonly #deferred = new Map<string, { until: number; timer: NodeJS.Timeout }>();
  /**
   * Since when the store has been failing in a way that may pass (a listing that fails, the work directory's lock
   * held by another process past the store's wait): reset by the next listing or claim that works.
   */
  #transient: { since: number; error: unknown } | undefined;
  readonly #started = Date.now();

  constructor(context: RunnerContext) {
    this.#context = context;
    this.#costs = new CostTracker(context.kernel.events);
  }

  #now(): Date {
    return (this.#context.now ?? (() => new Date()))();
  }

  #emit(event: TaskEvent): void {
    this.#context.kernel.events.emit(event);
  }

  /** Ctrl-C or SIGTERM: claims nothing more, aborts the running tasks (put back to `assigned`), then `run` returns. */
  interrupt(code: number): void {
    if (this.#interruptCode === 0) this.#interruptCode = code;
    this.#stopping = true;
    for (const running of this.#running.values()) running.abort.abort();
    this.#poke();
  }

  #poke(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /**
   * Puts a task back to `assigned` with a note of why (`interrupted`: its runner is gone; `unblocked`: its budget
   * allows it again), says so, and emits `task.assigned`.
   */
  async #reassign(
    store: TaskStoreV1,
    task: TaskV1,
    kind: 'interrupted' | 'unblocked',
    why: string,
  ): Promise<TaskV1> {
    const note = `put back to assigned by the runner ${this.#context.runnerName}: ${why}`;
    const moved = await store.transition(
      task.id,
      { to: 'assigned', error: { kind, message: note, at: isoNow(this.#now()) } },
      task.revision,
    );
    this.#emitAssigned(moved, note);
    this.#context.reporter.notice(`${moved.id} (${moved.agent}): ${note}`);
    return moved;
  }

  async #pause(ms: number): Promise<void> {
    const timer = setTimeout(() => this.#poke(), ms);
    try {
      await this.#sleep();
    } finally {
      clearTimeout(timer);
    }
  }

  async #sleep(): Promise<void> {
    if (!this.#woken) await new Promise<void>((resolve) => (this.#wake = resolve));
    this.#wake = undefined;
    this.#woken = false;
  }

  #inFilter(task: TaskV1): boolean {
    const { agents } = this.#context.options;
    return agents.length === 0 || agents.includes(task.agent);
  }

  #maxReached(): boolean {
    const { maxTasks } = this.#context.options;
    return maxTasks !== undefined && this.#claimed >= maxTasks;
  }

  /** Reports a problem once per run of the command, not on every listing. */
  #noticeOnce(key: string, message: string): void {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#context.reporter.notice(message);
  }

  /**
   * Lists the tasks and returns the queue: runnable tasks, and `in_progress` ones whose lease is stale or missing
   * (their runner ended: they are put back and run), in the runner's order.
   */
  async #list(): Promise<{
    queue: TaskV1[];
    recoverable: { task: TaskV1; reason: string }[];
    waiting: number;
  }> {
    const { store, leases } = this.#context;
    const listing = await store.list();
    for (const problem of listing.problems)
      this.#noticeOnce(`problem:${problem.path}:${problem.message}`, `skipped ${problem.message}`);
    this.#tasks = new Map(listing.tasks.map((task) => [task.id, task]));
    const selection = selectRunnable(listing.tasks, this.#context.options.agents);
    for (const { task, reason } of selection.stuck)
      this.#noticeOnce(`stuck:${task.id}:${reason}`, `${task.id} (${task.agent}) cannot run: ${reason}`);
    const recoverable: { task: TaskV1; reason: string }[] = [];
    for (const task of listing.tasks) {
      if (task.status !== 'in_progress' || !this.#inFilter(task) || this.#running.has(task.id)) continue;
      let lease: Awaited<ReturnType<Leases['inspect']>>;
      try {
        lease = await leases.inspect(task.id);
      } catch (error) {
        this.#noticeOnce(`lease:${task.id}`, `${task.id}: cannot read its lease: ${messageOf(error)}`);
        continue;
      }
      if (lease === undefined)
        recoverable.push({ task, reason: 'it is in progress but no runner holds its lease' });
      else if (lease.stale) recoverable.push({ task, reason: lease.reason });
    }
    const queue = [...recoverable.map((each) => each.task), ...selection.runnable]
      .filter((task) => !this.#running.has(task.id) && !this.#isDeferred(task.id))
      .sort(compareTasks);
    return { queue, recoverable, waiting: selection.waiting.length };
  }

  /** Runs until nothing runnable remains (`once`: of what was runnable at the start), or until Ctrl-C (`watch`). */
  async run(): Promise<number> {
    const { options, store } = this.#context;
    const watching = options.mode === 'watch';
    const stopWatching = watching ? store.watch(() => this.#poke()) : undefined;
    const poll = watching
      ? setInterval(() => this.#poke(), this.#context.pollMs ?? WATCH_POLL_MS)
      : undefined;
    this.#lastBlockedCheck = Date.now();
    await this.#reapStaleLeases();
    try {
      while (!this.#stopping) {
        const startedAny = await this.#fill();
        if (this.#stopping) break;
        if (this.#maxReached() && this.#running.size === 0) break;
        if (this.#running.size === 0 && !startedAny) {
          if (this.#transient) {
            if (Date.now() - this.#transient.since > LOCKED_RETRY_MS) throw this.#transient.error;
            await this.#pause(1_000);
            continue;
          }
          if (!watching) break;
        }
        // Rate-limited to BLOCKED_RECHECK_MS; the poll timer wakes the loop at least that often.
        if (watching) await this.#recheckBlocked();
        await this.#sleep();
      }
    } finally {
      stopWatching?.();
      if (poll) clearInterval(poll);
    }
    while (this.#running.size > 0)
      await Promise.allSettled([...this.#running.values()].map((each) => each.done));
    for (const { timer } of this.#deferred.values()) clearTimeout(timer);
    this.#costs.dispose();
    return this.#finishRun();
  }

  /**
   * Once a run: the stale leases of tasks no runner works on any more (a runner killed between a task's last move
   * and its lease's removal leaves one) are removed, so `runs/` shows only leases that mean something.
   */
  async #reapStaleLeases(): Promise<void> {
    let tasks: readonly TaskV1[];
    try {
      tasks = (await this.#context.store.list({ status: ['done', 'error', 'blocked'] })).tasks;
    } catch {
      return;
    }
    for (const task of tasks) await this.#context.leases.reapStale(task.id).catch(() => 0);
  }

  #finishRun(): number {
    const count = (status: TaskOutcome['status']) =>
      this.#outcomes.filter((outcome) => outcome.status === status).length;
    const exitCode =
      this.#interruptCode !== 0
        ? this.#interruptCode
        : count('error') + count('lost') > 0
          ? 1
          : count('blocked') > 0
            ? 3
            : 0;
    const summary: RunSummary = {
      // A task can run more than once under --watch (blocked, then put back and done): counted once here.
      tasks: new Set(this.#outcomes.map((outcome) => outcome.id)).size,
      runs: this.#outcomes.length,
      done: count('done'),
      error: count('error'),
      blocked: count('blocked'),
      interrupted: count('assigned'),
      lost: count('lost'),
      created: this.#created,
      costUsd: this.#outcomes.reduce((sum, outcome) => sum + outcome.costUsd, 0),
      durationMs: Date.now() - this.#started,
      exitCode,
    };
    this.#context.reporter.summary(summary);
    return exitCode;
  }

  /** Claims and starts tasks until `concurrency` run; lists again (once) when the queue runs dry. */
  async #fill(): Promise<boolean> {
    const { options } = this.#context;
    let startedAny = false;
    let listed = false;
    while (!this.#stopping && this.#running.size < options.concurrency && !this.#maxReached()) {
      if (this.#queue.length === 0) {
        if (listed) break;
        listed = true;
        let queue: TaskV1[];
        try {
          queue = (await this.#list()).queue;
        } catch (error) {
          // A listing that fails (the work directory's lock held too long, a disk error): said, and tried again
          // for a while by `run`.
          this.#transient ??= { since: Date.now(), error };
          this.#noticeOnce(`list:${messageOf(error)}`, `cannot list the tasks: ${failureMessage(error)}`);
          break;
        }
        this.#transient = undefined;
        if (options.mode === 'once') {
          this.#onceIds ??= new Set(queue.map((task) => task.id));
          const once = this.#onceIds;
          queue = queue.filter((task) => once.has(task.id));
        }
        this.#queue = queue;
        continue;
      }
      const task = this.#queue.shift()!;
      if (this.#running.has(task.id)) continue;
      this.#onceIds?.delete(task.id);
      const claimed = await this.#claim(task);
      if (claimed === 'locked') {
        // Every other claim would wait for the same lock: this one is tried again first, after a pause.
        this.#queue.unshift(task);
        this.#onceIds?.add(task.id);
        break;
      }
      if (!claimed) continue;
      this.#transient = undefined;
      if (this.#stopping) {
        // Ctrl-C arrived while claiming: the task goes back untouched by any tool.
        await this.#putBack(claimed.task, claimed.lease, this.#interruptNote(0));
        continue;
      }
      this.#claimed += 1;
      startedAny = true;
      this.#start(claimed.task, claimed.lease);
    }
    return startedAny;
  }

  /**
   * The claim: the lease first, then the task read again and moved to `in_progress` at that revision. A task that
   * was `in_progress` under a stale lease (or none) is put back to `assigned` first, with a note saying why.
   */
  async #claim(listed: TaskV1): Promise<{ task: TaskV1; lease: HeldLease } | 'locked' | undefined> {
    const { leases, store } = this.#context;
    let outcome: Awaited<ReturnType<Leases['claim']>>;
    try {
      outcome = await leases.claim(listed.id);
    } catch (error) {
      this.#noticeOnce(`claim:${listed.id}`, `${listed.id}: cannot take its lease: ${messageOf(error)}`);
      return undefined;
    }
    if (!outcome.ok) return undefined;
    const { lease } = outcome;
    try {
      let task = await store.get(listed.id);
      if (task?.status === 'in_progress') {
        // Without a stale lease, an in-progress task is orphaned only if it did not change since it was listed
        // (before its lease folder was read): a runner removes its lease only after moving the task on.
        if (outcome.tookOver === undefined && task.revision !== listed.revision) {
          await lease.release();
          return undefined;
        }
        const why = outcome.tookOver?.reason ?? 'it was in progress but no runner held its lease';
        task = await this.#reassign(store, task, 'interrupted', why);
      }
      if (task === undefined || task.status !== 'assigned' || !this.#inFilter(task)) {
        await lease.release();
        return undefined;
      }
      const started = await store.transition(task.id, { to: 'in_progress' }, task.revision);
      return { task: started, lease };
    } catch (error) {
      await lease.release().catch(() => undefined);
      const code = codeOf(error);
      if (code === 'E_TASK_LOCKED') {
        this.#transient ??= { since: Date.now(), error };
        this.#noticeOnce('locked', `waiting for the work directory's lock: ${failureMessage(error)}`);
        return 'locked';
      }
      // Changed meanwhile (another runner, a person): skipped, as the claim rules say.
      if (code !== 'E_TASK_CONFLICT' && code !== 'E_TASK_TRANSITION')
        this.#noticeOnce(`claim:${listed.id}:${code}`, `${listed.id}: not claimed: ${failureMessage(error)}`);
      return undefined;
    }
  }

  #start(task: TaskV1, lease: HeldLease): void {
    const abort = new AbortController();
    const running: Running = { abort, done: Promise.resolve() };
    this.#running.set(task.id, running);
    running.done = this.#execute(task, lease, abort)
      .then((outcome) => {
        this.#outcomes.push(outcome);
        this.#context.reporter.finished(outcome);
      })
      .catch((error: unknown) => {
        this.#context.reporter.notice(`${task.id}: the runner failed: ${failureMessage(error)}`);
        this.#outcomes.push(
          this.#outcome(task, 'error', { error: { kind: 'internal', message: failureMessage(error) } }),
        );
      })
      .finally(() => {
        this.#running.delete(task.id);
        this.#poke();
      });
  }

  #interruptNote(elapsedMs: number): string {
    const signal = this.#interruptCode === 143 ? 'SIGTERM' : 'SIGINT (Ctrl-C)';
    const after = elapsedMs > 0 ? ` after ${Math.round(elapsedMs / 1000)} s` : '';
    return `interrupted by ${signal}${after}; put back to assigned by the runner ${this.#context.runnerName}`;
  }

  #outcome(
    task: TaskV1,
    status: TaskOutcome['status'],
    fields: Partial<TaskOutcome> & { spending?: TaskSpending; startedAt?: number } = {},
  ): TaskOutcome {
    const { spending, startedAt, ...rest } = fields;
    return {
      id: task.id,
      agent: task.agent,
      title: task.title,
      status,
      tool: null,
      model: null,
      attempts: spending?.attempts ?? 0,
      costUsd: spending?.costUsd ?? 0,
      unknownCostAttempts: spending?.unknownCostAttempts ?? 0,
      tokens: spending?.tokens ?? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      chainId: task.result?.chainId ?? '',
      answer: null,
      summary: null,
      nextAgent: null,
      followUp: null,
      error: null,
      durationMs: startedAt === undefined ? 0 : Date.now() - startedAt,
      warnings: [],
      ...rest,
    };
  }

  /** Moves a task this runner holds; a file edited meanwhile (a priority changed on the board) is read again. */
  async #move(task: TaskV1, change: TaskChangeV1): Promise<TaskV1> {
    const { store } = this.#context;
    let revision = task.revision;
    const deadline = Date.now() + LOCKED_RETRY_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        return await store.transition(task.id, change, revision);
      } catch (error) {
        // The work directory's lock held past the store's wait (a writer killed while holding it, until the lock
        // counts as stale): this runner holds the task's lease, so it keeps trying rather than lose the result.
        if (codeOf(error) === 'E_TASK_LOCKED' && Date.now() < deadline) continue;
        if (codeOf(error) !== 'E_TASK_CONFLICT' || attempt >= 5) throw error;
        const now = await store.get(task.id);
        if (now?.status !== 'in_progress') throw error;
        revision = now.revision;
      }
    }
  }

  async #putBack(task: TaskV1, lease: HeldLease, note: string): Promise<void> {
    try {
      await this.#move(task, {
        to: 'assigned',
        error: { kind: 'interrupted', message: note, at: isoNow(this.#now()) },
      });
      this.#emitAssigned(task, note);
    } finally {
      await lease.release();
    }
  }

  /** Whether a task is deferred until a later time; a deferral whose time has come is forgotten. */
  #isDeferred(taskId: string): boolean {
    const deferral = this.#deferred.get(taskId);
    if (deferral === undefined) return false;
    if (deferral.until > this.#now().getTime()) return true;
    clearTimeout(deferral.timer);
    this.#deferred.delete(taskId);
    return false;
  }

  /** Holds a task back until `resumeAt`, and wakes the loop then to run it. */
  #defer(taskId: string, resumeAt: number): void {
    clearTimeout(this.#deferred.get(taskId)?.timer);
    const delay = Math.max(0, resumeAt - this.#now().getTime());
    // Node's timers fire at once past 2^31 - 1 ms (24.8 days); the poll timer wakes the loop before then anyway.
    const timer = setTimeout(() => this.#poke(), Math.min(delay, 2 ** 31 - 1));
    timer.unref();
    this.#deferred.set(taskId, { until: resumeAt, timer });
  }

  /** `task.assigned` for a task the runner put back, with the note saying why. */
  #emitAssigned(task: TaskV1, note: string): void {
    this.#emit({
      type: 'task.assigned',
      at: this.#now().toISOString(),
      taskId: task.id,
      agent: task.agent,
      ...(task.result?.chainId ? { chainId: task.result.chainId } : {}),
      note,
    });
  }

  /** The prompt and context blocks of a task, or why it is refused (a path outside the project). */
  async #prepare(task: TaskV1): Promise<Prepared> {
    const { config, settings } = this.#context;
    const dependencies = task.dependsOn.flatMap((id) => {
      const dependency = this.#tasks.get(id);
      return dependency ? [dependency] : [];
    });
    const paths: NamedPath[] = [
      ...task.context.files.map((path) => ({ path, from: 'context.files' })),
      ...dependencies.flatMap((dependency) =>
        (dependency.result?.artefacts ?? []).map((path) => ({
          path,
          from: `the artefacts of ${dependency.id}`,
          optional: true,
        })),
      ),
    ];
    const context = await readContext(settings.projectDir, paths);
    if (!context.ok) return context;
    const prompt = buildTaskPrompt(
      {
        task,
        dependencies: dependencies.map((dependency) => ({
          id: dependency.id,
          agent: dependency.agent,
          title: dependency.title,
          summary: dependency.result?.summary,
          artefacts: dependency.result?.artefacts ?? [],
        })),
        contextNames: context.files.map((file) => file.name),
        agents: Object.keys(config.agents),
      },
      settings.templates.get(task.agent),
    );
    return { ok: true, prompt, context: context.files, warnings: context.warnings };
  }

  /** Runs one claimed task to its end state; never throws for a failure of the run itself. */
  async #execute(claimed: TaskV1, lease: HeldLease, abort: AbortController): Promise<TaskOutcome> {
    const { kernel, config, reporter } = this.#context;
    const startedAt = Date.now();
    let task = claimed;
    const chainId = chainOf(task, this.#tasks, this.#context.env);
    let lostLease: string | undefined;
    const renew = setInterval(() => {
      lease.renew().then(
        (state) => {
          if (state === 'lost' && lostLease === undefined) {
            lostLease =
              'another runner took its lease over (it judged this runner gone); its run was stopped';
            abort.abort();
          }
        },
        // A renewal that fails (a disk hiccup) is tried again at the next interval; the lease lasts a minute.
        () => undefined,
      );
    }, this.#context.renewMs ?? LEASE_RENEW_MS);
    const base = { startedAt, chainId };
    this.#emit({
      type: 'task.started',
      at: this.#now().toISOString(),
      taskId: task.id,
      agent: task.agent,
      chainId,
    });
    reporter.started(task, chainId);
    try {
      const fail = async (
        kind: string,
        message: string,
        extra: Partial<TaskOutcome> & { spending?: TaskSpending } = {},
        result?: TaskResultV1,
      ) => {
        task = await this.#move(task, {
          to: 'error',
          error: {
            kind,
            message,
            at: isoNow(this.#now()),
            ...(extra.spending ? { attempts: extra.spending.attempts } : {}),
          },
          ...(result ? { result } : {}),
        });
        this.#emit({
          type: 'task.failed',
          at: this.#now().toISOString(),
          taskId: task.id,
          agent: task.agent,
          chainId,
          kind,
          message,
        });
        return this.#outcome(task, 'error', { ...base, ...extra, error: { kind, message } });
      };
      if (!Object.hasOwn(config.agents, task.agent))
        return await fail(
          'unknown-agent',
          `agent '${task.agent}' is not in ${config.dir}/agents.yaml; correct the task's agent or add the agent`,
        );
      const prepared = await this.#prepare(task);
      if (!prepared.ok) return await fail('context', `refused: ${prepared.message} (task file ${task.path})`);
      if (abort.signal.aborted) {
        await this.#putBack(task, lease, this.#interruptNote(0));
        return this.#outcome(task, 'assigned', {
          ...base,
          error: { kind: 'interrupted', message: this.#interruptNote(0) },
        });
      }

      this.#costs.begin(task.id);
      let result: ExecResult | undefined;
      let failure: unknown;
      try {
        result = await kernel.exec(
          {
            agent: task.agent,
            taskType: task.taskType,
            prompt: prepared.prompt,
            context: prepared.context,
            chainId,
            taskId: task.id,
          },
          { signal: abort.signal },
        );
      } catch (error) {
        failure = error;
      }
      const spending = this.#costs.take(task.id);
      const warnings = [...prepared.warnings];
      if (spending.failures.length > 0) {
        // The kernel exposes a failed attempt's stderr tail only in its message (the generic adapter quotes it).
        await writeFileInside(
          this.#context.store.workDir,
          `${runFolderOf(task.id)}/attempts.log`,
          `${spending.failures.map(oneLine).join('\n')}\n`,
        ).catch((error: unknown) => warnings.push(`could not write attempts.log: ${messageOf(error)}`));
      }
      if (lostLease !== undefined) {
        // Another runner owns the task now: nothing is written to its file.
        return this.#outcome(task, 'lost', {
          ...base,
          spending,
          warnings,
          error: { kind: 'lost', message: lostLease },
        });
      }
      if (failure !== undefined && (abort.signal.aborted || codeOf(failure) === 'E_CANCELLED')) {
        const note = this.#interruptNote(Date.now() - startedAt);
        await this.#putBack(task, lease, note);
        return this.#outcome(task, 'assigned', {
          ...base,
          spending,
          warnings,
          error: { kind: 'interrupted', message: note },
        });
      }
      const spent: TaskResultV1 = {
        attempts: spending.attempts,
        tokens: spending.tokens,
        costUsd: spending.costUsd,
        chainId,
      };
      if (failure !== undefined) {
        const message = failureMessage(failure);
        const resumeAt = resumeAtOf(failure);
        if (
          codeOf(failure) === 'E_POLICY_BLOCKED' &&
          resumeAt !== undefined &&
          this.#context.options.mode === 'watch'
        ) {
          // A `defer` rule (a plan window over its threshold): the task waits for the window's reset, then runs.
          const note = `deferred until ${isoNow(new Date(resumeAt))} by the runner ${this.#context.runnerName}: ${message}`;
          task = await this.#move(task, {
            to: 'assigned',
            error: { kind: 'deferred', message: note, at: isoNow(this.#now()) },
          });
          this.#defer(task.id, resumeAt);
          this.#emitAssigned(task, note);
          return this.#outcome(task, 'assigned', {
            ...base,
            spending,
            warnings,
            error: { kind: 'deferred', message: note },
          });
        }
        if (codeOf(failure) === 'E_POLICY_BLOCKED') {
          task = await this.#move(task, {
            to: 'blocked',
            error: { kind: 'policy', message, attempts: spending.attempts, at: isoNow(this.#now()) },
            result: spent,
          });
          this.#emit({
            type: 'task.blocked',
            at: this.#now().toISOString(),
            taskId: task.id,
            agent: task.agent,
            chainId,
            message,
          });
          return this.#outcome(task, 'blocked', {
            ...base,
            spending,
            warnings,
            error: { kind: 'policy', message },
          });
        }
        return await fail(failureKind(failure, spending), message, { spending, warnings }, spent);
      }
      return await this.#complete(task, result!, spending, { ...base, warnings });
    } finally {
      clearInterval(renew);
      await lease.release().catch(() => undefined);
    }
  }

  /** Writes the answer, hands off, and moves the task to `done` (or `error` when the hand-off is refused). */
  async #complete(
    running: TaskV1,
    result: ExecResult,
    spending: TaskSpending,
    base: { startedAt: number; chainId: string; warnings: string[] },
  ): Promise<TaskOutcome> {
    const { store, config, settings } = this.#context;
    let task = running;
    const { chainId, warnings } = base;
    const answerPath = `${runFolderOf(task.id)}/answer.md`;
    await writeFileInside(store.workDir, answerPath, result.text);
    const answer = parseAnswer(result.text);
    warnings.push(...answer.problems.map((problem) => `answer: ${problem}`));
    // Artefacts the follow-up gets as context must be files of the project: others are named, not passed on.
    const artefacts: string[] = [];
    for (const path of answer.artefacts) {
      const checked = checkContextPath(path);
      if (!checked.ok) warnings.push(`artefact '${path}' ${checked.why}; not passed on`);
      else artefacts.push(checked.path);
    }
    const context = await readContext(
      settings.projectDir,
      artefacts.map((path) => ({ path, from: 'artefact', optional: true })),
    );
    const usable = context.ok ? context.files.map((file) => file.name) : [];
    if (!context.ok) warnings.push(`${context.message}; the artefacts are not passed on`);
    else warnings.push(...context.warnings.map((warning) => `${warning}; not passed on`));
    const agents = Object.keys(config.agents);
    // Only an agent of agents.yaml is recorded as next_agent: anything else is refused below, and named there.
    const nextAgent =
      answer.nextAgent !== undefined && agents.includes(answer.nextAgent) ? answer.nextAgent : undefined;
    const resultFields: TaskResultV1 = {
      ...(answer.summary === undefined ? {} : { summary: answer.summary }),
      ...(answer.artefacts.length > 0 ? { artefacts: answer.artefacts } : {}),
      ...(nextAgent === undefined ? {} : { nextAgent }),
      ...(answer.nextTaskTitle === undefined ? {} : { nextTaskTitle: answer.nextTaskTitle }),
      ...(answer.nextTaskNotes === undefined ? {} : { nextTaskNotes: answer.nextTaskNotes }),
      tool: result.tool,
      model: result.model,
      attempts: spending.attempts,
      tokens: spending.tokens,
      costUsd: spending.costUsd,
      chainId,
      answer: answerPath,
    };
    const common = {
      startedAt: base.startedAt,
      spending,
      warnings,
      chainId,
      tool: result.tool,
      model: result.model,
      answer: answerPath,
      summary: answer.summary ?? null,
      nextAgent: answer.nextAgent ?? null,
    };
    // The follow-up is created before the task is done: a crash in between leaves it waiting on a task that runs
    // again, and that run finds it instead of creating a second one.
    const plan =
      answer.nextAgent === undefined
        ? ({ action: 'none' } as const)
        : planHandOff({
            task,
            answer,
            artefacts: usable,
            // Read afresh: a follow-up an earlier run of this task created must be found, not made twice.
            tasks: (await store.list()).tasks,
            agents,
            maxHandoffs: settings.maxHandoffs,
          });
    let followUp: TaskV1 | undefined;
    if (plan.action === 'refuse') {
      task = await this.#move(task, {
        to: 'error',
        result: resultFields,
        error: {
          kind: 'handoff',
          message: plan.message,
          attempts: spending.attempts,
          at: isoNow(this.#now()),
        },
      });
      this.#emit({
        type: 'task.failed',
        at: this.#now().toISOString(),
        taskId: task.id,
        agent: task.agent,
        chainId,
        kind: 'handoff',
        message: plan.message,
      });
      return this.#outcome(task, 'error', { ...common, error: { kind: 'handoff', message: plan.message } });
    }
    if (plan.action === 'exists') followUp = plan.task;
    if (plan.action === 'create') {
      followUp = await store.create(plan.task);
      this.#created += 1;
      this.#emit({
        type: 'task.created',
        at: this.#now().toISOString(),
        taskId: followUp.id,
        agent: followUp.agent,
        chainId,
        title: followUp.title,
        status: followUp.status === 'new' ? 'new' : 'assigned',
        from: task.id,
      });
    }
    task = await this.#move(task, { to: 'done', result: resultFields });
    this.#emit({
      type: 'task.completed',
      at: this.#now().toISOString(),
      taskId: task.id,
      agent: task.agent,
      chainId,
      costUsd: spending.costUsd,
      attempts: spending.attempts,
      answer: answerPath,
      ...(nextAgent === undefined ? {} : { nextAgent }),
    });
    return this.#outcome(task, 'done', { ...common, followUp: followUp?.id ?? null });
  }

  /**
   * Under `--watch`, every `BLOCKED_RECHECK_MS`: each task a policy blocked (`error.kind: policy`) is estimated
   * again, and put back to `assigned` when some candidate of its route would no longer be blocked (the budget's
   * period rolled over, spend was pruned). The preview holds nothing. The kernel keeps the configuration it started
   * with, so a limit raised in policies.yaml is seen only by the next runner.
   */
  async #recheckBlocked(force = false): Promise<void> {
    const interval = this.#context.blockedRecheckMs ?? BLOCKED_RECHECK_MS;
    if (!force && Date.now() - this.#lastBlockedCheck < interval) return;
    this.#lastBlockedCheck = Date.now();
    const { store, kernel } = this.#context;
    let tasks: readonly TaskV1[];
    try {
      tasks = (await store.list({ status: ['blocked'] })).tasks;
    } catch {
      return;
    }
    for (const task of tasks) {
      if (this.#stopping) return;
      if (task.error?.kind !== 'policy' || !this.#inFilter(task)) continue;
      const prepared = await this.#prepare(task).catch(() => undefined);
      if (!prepared?.ok) continue;
      try {
        const preview = await kernel.preview({
          agent: task.agent,
          taskType: task.taskType,
          prompt: prepared.prompt,
          context: prepared.context,
          chainId: chainOf(task, this.#tasks, this.#context.env),
          taskId: task.id,
        });
        const allowed = preview.candidates.some((candidate) =>
          candidate.decisions.every((decision) => decision.action !== 'block'),
        );
        if (!allowed) continue;
        await this.#reassign(
          store,
          task,
          'unblocked',
          `its budget allows it again (checked ${isoNow(this.#now())})`,
        );
        this.#poke();
      } catch {
        // Changed meanwhile, or the preview failed: looked at again next time.
      }
    }
  }

  /** `--dry-run`: what would run now, in order, with each prompt's size and route; changes nothing. */
  async dryRun(): Promise<number> {
    const { reporter, kernel, options } = this.#context;
    const { queue, recoverable, waiting } = await this.#list();
    for (const { task, reason } of recoverable)
      reporter.notice(`${task.id} (${task.agent}) would be put back to assigned and run: ${reason}`);
    const planned = options.maxTasks === undefined ? queue : queue.slice(0, options.maxTasks);
    for (const task of planned) {
      const prepared = await this.#prepare(task);
      let tool: string | null = null;
      let model: string | null = null;
      let estimatedCostUsd: number | null = null;
      let refused: string | null = prepared.ok ? null : prepared.message;
      if (prepared.ok) {
        try {
          const preview = await kernel.preview({
            agent: task.agent,
            taskType: task.taskType,
            prompt: prepared.prompt,
            context: prepared.context,
            taskId: task.id,
          });
          const first = preview.candidates[0];
          tool = first?.tool ?? null;
          model = first?.model ?? null;
          estimatedCostUsd = first?.estimatedCostUsd ?? null;
        } catch (error) {
          refused = failureMessage(error);
        }
      }
      reporter.planned({
        id: task.id,
        agent: task.agent,
        title: task.title,
        priority: task.priority,
        promptBytes: prepared.ok ? promptBytes(prepared.prompt, prepared.context) : 0,
        contextFiles: prepared.ok ? prepared.context.length : 0,
        tool,
        model,
        estimatedCostUsd,
        refused,
      });
    }
    this.#costs.dispose();
    reporter.summary(
      {
        tasks: 0,
        runs: 0,
        done: 0,
        error: 0,
        blocked: 0,
        interrupted: 0,
        lost: 0,
        created: 0,
        costUsd: 0,
        durationMs: Date.now() - this.#started,
        exitCode: 0,
      },
      { dryRun: { runnable: planned.length, waiting } },
    );
    return 0;
  }
}
