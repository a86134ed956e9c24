import type {
  AttemptRecordV1,
  Billing,
  Candidate,
  DisposeOptions,
  LlmServiceEvent,
  AttemptWriteV1,
  RequestRecordV1,
  TelemetrySinkV1,
  TelemetryStoreV1,
} from '@llm-service/spec';
import { TelemetryError, TelemetryErrorCode } from '../errors.js';
import { estimatePromptTokens, PromptHasher } from '../privacy/prompt-hash.js';
import { redactSecrets } from '@llm-service/plugin-kit';
import type { Spool } from '../spool/spool.js';
import { FailureReporter, type WarnLogger } from './failure-reporter.js';
import { emptyRow, type InvocationRow, type InvocationStatus } from './invocation-row.js';

export interface StoreSinkOptions {
  store: TelemetryStoreV1;
  /**
   * Where writes go that an asynchronous store did not confirm (it was unreachable, or the process exited first);
   * replayed by the next run. Without it, they are reported lost.
   */
  spool?: Spool;
  captureContent: boolean;
  logger: WarnLogger;
  /** Operations queued before they are written at once, without waiting for the end of the current task. */
  maxBatch?: number;
  /** How a commit is scheduled after the first queued event; tests may pass a synchronous one. */
  schedule?: (commit: () => void) => void;
  /** The sink owns the store's lifetime (the plugin's store, shared with its ledger and query service). */
  closeStoreOnDispose?: boolean;
}

function attemptKey(invocationId: string, attempt: number): string {
  return `${invocationId}#${attempt}`;
}

/** What an ended attempt writes into its row: how it ended, what it used and cost. */
function applyRecord(row: InvocationRow, record: AttemptRecordV1): void {
  const { cost } = record;
  const usage = cost?.usage;
  row.finishedAt = record.finishedAt;
  row.latencyMs = record.latencyMs;
  row.tool = record.tool;
  row.model = record.model;
  row.reason = record.reason;
  row.status = record.status;
  row.errorKind = record.errorKind ?? null;
  row.message = record.message === undefined ? null : redactSecrets(record.message);
  row.inputTokens = usage?.inputTokens ?? 0;
  row.outputTokens = usage?.outputTokens ?? 0;
  row.cacheReadTokens = usage?.cacheReadTokens ?? 0;
  row.cacheWriteTokens = usage?.cacheWriteTokens ?? 0;
  // An unknown cost has no figure: recorded as NULL, never as $0.
  const known = cost !== undefined && cost.costSource !== 'unknown';
  row.costUsd = known ? cost.costUsd : null;
  row.costSource = cost?.costSource ?? null;
  row.computedCostUsd = known ? cost.computedCostUsd : null;
  row.priceHash = cost?.priceHash || null;
  row.baselineModel = record.baselineModel;
  row.baselineCostUsd = record.baselineCostUsd ?? null;
  row.exitCode = record.exitCode ?? null;
  row.sessionId = record.sessionId ?? null;
  row.turns = record.turns ?? null;
}

/** What an attempt's start and its record both say of it: the row as it is while the attempt runs. */
interface AttemptStart {
  invocationId: string;
  chainId: string;
  attempt: number;
  startedAt: string;
  /** Absent from the events of a kernel older than plugin API 1.4. */
  project?: string;
  taskId?: string;
  agent: string;
  taskType?: string;
  tool: string;
  model: string;
  reason: string;
  baselineModel: string;
  pid: number;
  promptSha256: string;
  promptBytes: number;
  forceReason?: string;
  /** Absent from the events of a kernel older than plugin API 1.9. */
  billing?: Billing;
}

function runningRow(start: AttemptStart): InvocationRow {
  const row = emptyRow(start);
  row.project = start.project ?? 'default';
  row.taskId = start.taskId ?? null;
  row.agent = start.agent;
  row.taskType = start.taskType ?? null;
  row.tool = start.tool;
  row.model = start.model;
  row.reason = start.reason;
  row.baselineModel = start.baselineModel;
  row.pid = start.pid;
  row.promptHash = start.promptSha256;
  row.promptTokensEstimate = estimatePromptTokens(start.promptBytes);
  row.forceReason = start.forceReason === undefined ? null : redactSecrets(start.forceReason);
  if (start.billing !== undefined) row.billing = start.billing;
  return row;
}

/**
 * Writes attempts to the telemetry store. `handle()` only queues: the queue is written in one batch as soon as the
 * current synchronous work ends, or at once when it holds `maxBatch` writes, and on flush, dispose and process exit.
 * An attempt's start and its end are separate writes unless both arrive before the queue is written; either order is
 * safe, since a store keeps one row an attempt and a start never undoes an end.
 *
 * A store that writes synchronously (SQLite) is written before `commitNow` returns, as before stores were a contract.
 * Another (PostgreSQL) is written asynchronously; what it has not confirmed when the process exits, or what it
 * refused for a connection failure, goes to the spool, which the next run replays. Errors never reach the request:
 * the first is reported once through the logger, later ones are counted.
 */
export class StoreSink implements TelemetrySinkV1 {
  readonly specificationVersion = 'v1' as const;
  readonly id: string;
  readonly #store: TelemetryStoreV1;
  readonly #spool: Spool | undefined;
  readonly #captureContent: boolean;
  readonly #maxBatch: number;
  readonly #closeStoreOnDispose: boolean;
  readonly #schedule: (commit: () => void) => void;
  readonly #reporter: FailureReporter;
  #queue: AttemptWriteV1[] = [];
  /** Queued starts by attempt, so an end arriving before the commit replaces its start in the queue. */
  readonly #queuedStarts = new Map<string, AttemptWriteV1>();
  /** Batches handed to an asynchronous store and not yet confirmed: spooled if the process exits first. */
  readonly #inFlight = new Set<readonly AttemptWriteV1[]>();
  readonly #writes = new Set<Promise<void>>();
  #hasher: PromptHasher | undefined;
  #replayed: Promise<void> | undefined;
  #scheduled = false;
  #unusable = false;
  /** Something handed to this sink since the last flush was not written (flush then rejects: see TelemetrySinkV1). */
  #lostSinceFlush = false;
  #disposed = false;

  constructor(options: StoreSinkOptions) {
    this.#store = options.store;
    this.id = options.store.kind;
    this.#spool = options.spool;
    this.#captureContent = options.captureContent;
    this.#maxBatch = options.maxBatch ?? 1_000;
    this.#closeStoreOnDispose = options.closeStoreOnDispose ?? false;
    // setImmediate, not a microtask: the commit then runs after the kernel has started the tool, while the tool
    // works, instead of delaying its start (measured: about 12 ms of an `exec` start, mostly the first HMAC and
    // the transaction).
    this.#schedule = options.schedule ?? ((commit) => void setImmediate(commit));
    this.#reporter = new FailureReporter('telemetry', options.logger, options.store.location);
    liveSinks.add(this);
    ensureExitHook();
  }

  /** Events: only an attempt's start, written as a running row so that readers (the dashboard) see it live. */
  handle(event: LlmServiceEvent): void {
    if (event.type === 'invocation.started') this.#guarded(() => this.#started(event));
  }

  /** An attempt ended: its row is completed (or, started and ended within one turn, written finished). */
  recordAttempt(record: AttemptRecordV1): void {
    this.#guarded(() => this.#ended(record));
  }

  /** A request ended: a row for an end no attempt describes (a block, a cancel before or between attempts). */
  recordRequest(record: RequestRecordV1): void {
    this.#guarded(() => this.#requestEnded(record));
  }

  #guarded(write: () => void): void {
    if (this.#disposed || this.#unusable) {
      this.#lostSinceFlush = true;
      return;
    }
    try {
      write();
    } catch (error) {
      this.#lostSinceFlush = true;
      this.#reporter.report(error);
    }
  }

  /**
   * Writes what is queued and waits for what is in flight; rejects when anything handed over since the last flush
   * was neither written nor spooled.
   */
  async flush(): Promise<void> {
    this.#commit();
    await Promise.all(this.#writes);
    if (!this.#lostSinceFlush && !this.#unusable) return;
    this.#lostSinceFlush = false;
    throw new TelemetryError(TelemetryErrorCode.write, 'the telemetry store did not record every event', {
      hint: 'see the warning above for why',
    });
  }

  async dispose(options?: DisposeOptions): Promise<void> {
    this.#commit();
    await Promise.all(this.#writes);
    this.#disposed = true;
    liveSinks.delete(this);
    this.#reporter.summarise();
    if (this.#closeStoreOnDispose) await this.#store.close(options);
  }

  /**
   * Writes the queue now: at once to a synchronous store; for another, the queue and what is in flight go to the
   * spool (the process is exiting). Exported for the process-exit hook.
   */
  commitNow(): void {
    this.#commit();
    if (this.#store.writeNow) return;
    for (const batch of this.#inFlight) this.#spoolOrLose(batch, undefined);
    this.#inFlight.clear();
  }

  /**
   * Writes what is queued and waits for what is in flight, without judging it (that is `flush`'s): readers in this
   * process call it first, so they see every attempt handed over so far.
   */
  async settled(): Promise<void> {
    this.#commit();
    await Promise.all(this.#writes);
  }

  #started(event: Extract<LlmServiceEvent, { type: 'invocation.started' }>): void {
    const write: AttemptWriteV1 = { kind: 'start', row: runningRow({ ...event, startedAt: event.at }) };
    this.#queuedStarts.set(attemptKey(event.invocationId, event.attempt), write);
    this.#enqueue(write);
  }

  #ended(record: AttemptRecordV1): void {
    const row = runningRow(record);
    applyRecord(row, record);
    // Unsaid (a kernel before plugin API 1.9): the store keeps what the start said.
    row.billing = record.billing ?? null;
    row.answer = this.#captureContent && record.text !== undefined ? record.text : null;
    const key = attemptKey(record.invocationId, record.attempt);
    const queued = this.#queuedStarts.get(key);
    if (queued) {
      // Started and finished before the queue was written: the start becomes the end, in its place.
      this.#queuedStarts.delete(key);
      const startRow = queued.row;
      queued.kind = 'end';
      // The start's fields an older kernel's record may lack (the record is complete from plugin API 1.9 on).
      row.promptHash ??= startRow.promptHash;
      row.billing ??= startRow.billing;
      queued.row = row;
      this.#scheduleCommit();
      return;
    }
    this.#enqueue({ kind: 'end', row });
  }

  #requestEnded(record: RequestRecordV1): void {
    const ran = record.attempts.filter((attempt) => attempt.status !== 'skipped');
    if (record.status === 'blocked') {
      const by = record.blockedBy;
      this.#insertEnd(
        record,
        ran.length,
        by?.candidate,
        'blocked',
        'policy',
        by ? `${by.policy}: ${by.message}` : 'blocked by a policy',
      );
    } else if (record.status === 'cancelled' && !ran.some((attempt) => attempt.errorKind === 'cancelled')) {
      const last = ran.at(-1);
      this.#insertEnd(
        record,
        ran.length,
        last ? { tool: last.tool, model: last.model, reason: last.reason } : record.planned[0],
        'cancelled',
        'cancelled',
        ran.length === 0 ? 'cancelled before any attempt started' : 'cancelled while waiting to retry',
      );
    }
  }

  /** A finished row for how a request ended when no attempt describes it, numbered after its last attempt. */
  #insertEnd(
    record: RequestRecordV1,
    attempts: number,
    candidate: Candidate | undefined,
    status: InvocationStatus,
    errorKind: string,
    message: string,
  ): void {
    const row = emptyRow({
      invocationId: record.invocationId,
      chainId: record.chainId,
      attempt: attempts + 1,
      startedAt: record.finishedAt,
    });
    row.finishedAt = record.finishedAt;
    row.pid = process.pid;
    row.project = record.project;
    row.taskId = record.taskId ?? null;
    row.agent = record.agent;
    row.taskType = record.taskType ?? null;
    row.promptHash = record.promptSha256;
    row.promptTokensEstimate = estimatePromptTokens(record.promptBytes);
    row.baselineModel = record.planned[0]?.model ?? null;
    if (candidate) {
      row.tool = candidate.tool;
      row.model = candidate.model;
      row.reason = candidate.reason;
    }
    row.status = status;
    row.errorKind = errorKind;
    row.message = redactSecrets(message);
    this.#enqueue({ kind: 'end', row });
  }

  #enqueue(write: AttemptWriteV1): void {
    this.#queue.push(write);
    if (this.#queue.length >= this.#maxBatch) this.#commit();
    else this.#scheduleCommit();
  }

  #scheduleCommit(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#schedule(() => this.#commit());
  }

  #commit(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    this.#queuedStarts.clear();
    if (this.#unusable) {
      this.#lostSinceFlush = true;
      return;
    }
    if (this.#store.writeNow) this.#writeNow(batch);
    else this.#writeLater(batch);
  }

  #writeNow(batch: readonly AttemptWriteV1[]): void {
    let keyed: AttemptWriteV1[];
    try {
      // The first redaction compiles its patterns (about 0.4 ms): done with the first write, while a tool runs.
      redactSecrets('');
      keyed = this.#keyed(batch, this.#hasherNow());
    } catch (error) {
      // The store cannot be opened (a newer schema, no permission): stop trying for this process.
      this.#unusable = true;
      this.#lostSinceFlush = true;
      this.#reporter.report(error, batch.length);
      return;
    }
    try {
      this.#store.writeNow!(keyed);
    } catch (error) {
      this.#lostSinceFlush = true;
      this.#reporter.report(error, batch.length);
    }
  }

  #writeLater(batch: readonly AttemptWriteV1[]): void {
    this.#inFlight.add(batch);
    const writing = (async () => {
      try {
        const hasher = (this.#hasher ??= new PromptHasher(await this.#store.promptKey()));
        // What an earlier run spooled goes first, once a run: the store is reachable again.
        this.#replayed ??= this.#spool
          ? this.#spool
              .replay((spooled) => this.#store.write(this.#keyed(spooled, hasher)))
              .then((result) => this.#reporter.unreadableSpool(result.unreadable, this.#spool!.path))
          : Promise.resolve();
        await this.#replayed.catch(() => {
          // Still unreachable, or a write of it refused: it stays spooled, and the next run tries again.
          this.#replayed = undefined;
        });
        await this.#store.write(this.#keyed(batch, hasher));
      } catch (error) {
        if (this.#inFlight.has(batch)) this.#spoolOrLose(batch, error);
      } finally {
        this.#inFlight.delete(batch);
      }
    })();
    this.#writes.add(writing);
    void writing.finally(() => this.#writes.delete(writing));
  }

  /** Spools a batch the store did not confirm; reports it lost only when it cannot be spooled either. */
  #spoolOrLose(batch: readonly AttemptWriteV1[], cause: unknown): void {
    this.#inFlight.delete(batch);
    if (this.#spool) {
      try {
        this.#spool.append(batch);
        if (cause !== undefined) this.#reporter.spooled(cause, batch.length, this.#spool.path);
        return;
      } catch (error) {
        this.#lostSinceFlush = true;
        this.#reporter.report(error, batch.length);
        return;
      }
    }
    this.#lostSinceFlush = true;
    this.#reporter.report(
      cause ?? new Error('the process exited before the store confirmed the write'),
      batch.length,
    );
  }

  #hasherNow(): PromptHasher {
    this.#hasher ??= new PromptHasher(this.#store.promptKeyNow!());
    return this.#hasher;
  }

  /** The batch with each plain prompt SHA-256 keyed with the store's secret. */
  #keyed(batch: readonly AttemptWriteV1[], hasher: PromptHasher): AttemptWriteV1[] {
    return batch.map(({ kind, row }) => ({
      kind,
      row: row.promptHash === null ? row : { ...row, promptHash: hasher.hash(row.promptHash) },
    }));
  }
}

/** Sinks with queued work when the process exits (process.exit() after an event, before the microtask ran). */
const liveSinks = new Set<StoreSink>();
let exitHookInstalled = false;

/** Commits what every live sink of this process has queued; runs on process exit. */
export function commitQueuedTelemetry(): void {
  for (const sink of liveSinks) sink.commitNow();
}

function ensureExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', commitQueuedTelemetry);
}
