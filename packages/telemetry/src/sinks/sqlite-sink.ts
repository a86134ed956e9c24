import type {
  AttemptRecordV1,
  Billing,
  Candidate,
  LlmServiceEvent,
  RequestRecordV1,
  TelemetrySinkV1,
} from '@llm-service/spec';
import { TelemetryError, TelemetryErrorCode } from '../errors.js';
import { estimatePromptTokens } from '../privacy/prompt-hash.js';
import { redactSecrets } from '@llm-service/plugin-kit';
import type { TelemetryStore } from '../store/store.js';
import { FailureReporter, type WarnLogger } from './failure-reporter.js';
import {
  emptyRow,
  insertInvocationSql,
  insertParameters,
  type InvocationRow,
  type InvocationStatus,
} from './invocation-row.js';

type WriteOperation =
  | { kind: 'insert'; key: string | undefined; row: InvocationRow; answer: string | null }
  | { kind: 'complete'; key: string; record: AttemptRecordV1; answer: string | null };

export interface SqliteSinkOptions {
  store: TelemetryStore;
  captureContent: boolean;
  logger: WarnLogger;
  /** Operations queued before they are written at once, without waiting for the end of the current task. */
  maxBatch?: number;
  /** How a commit is scheduled after the first queued event; tests may pass a synchronous one. */
  schedule?: (commit: () => void) => void;
  /** The sink owns the store's lifetime (the plugin's store, shared with its ledger and query service). */
  closeStoreOnDispose?: boolean;
}

interface Statements {
  writeBatch: (operations: readonly WriteOperation[]) => void;
}

/** Keeps a few thousand entries, forgetting the oldest (a Map iterates in insertion order). */
function remember<K, V>(map: Map<K, V>, key: K, value: V, limit = 10_000): void {
  map.set(key, value);
  if (map.size > limit) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
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
  // A record of an older kernel says nothing of billing: the row keeps what its start said (`api` by default).
  if (record.billing !== undefined) row.billing = record.billing;
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
  row.promptSha256 = start.promptSha256;
  row.promptTokensEstimate = estimatePromptTokens(start.promptBytes);
  row.forceReason = start.forceReason === undefined ? null : redactSecrets(start.forceReason);
  if (start.billing !== undefined) row.billing = start.billing;
  return row;
}

/** An attempt's row once it ended; a failed attempt keeps what it spent before failing, when it reported any. */
const completeSql = `UPDATE invocations SET
  finished_at = ?, status = ?, error_kind = ?, message = ?, reason = ?,
  input_tokens = ?, output_tokens = ?, cache_read_tokens = ?, cache_write_tokens = ?, total_tokens = ?,
  cost_usd = ?, cost_source = ?, computed_cost_usd = ?, price_hash = ?, baseline_model = ?, baseline_cost_usd = ?,
  latency_ms = ?, exit_code = ?, session_id = ?, turns = ?, billing = COALESCE(?, billing)
  WHERE id = ?`;

/**
 * Writes the `invocations` table. `handle()` only queues: the queue is committed in one short IMMEDIATE transaction
 * as soon as the current synchronous work ends (a microtask), or at once when it holds `maxBatch` operations, and
 * on flush, dispose and process exit. An attempt's start and its end are separate commits unless both arrive before
 * the queue is committed, in which case the finished row is inserted directly. Errors never reach the request: the
 * first is reported once through the logger, later ones are counted.
 */
export class SqliteSink implements TelemetrySinkV1 {
  readonly specificationVersion = 'v1' as const;
  readonly id = 'sqlite';
  readonly #store: TelemetryStore;
  readonly #captureContent: boolean;
  readonly #maxBatch: number;
  readonly #closeStoreOnDispose: boolean;
  readonly #schedule: (commit: () => void) => void;
  readonly #reporter: FailureReporter;
  #queue: WriteOperation[] = [];
  /** Queued inserts of running rows, by attempt, so a completion arriving before the commit merges into them. */
  readonly #queuedInserts = new Map<string, WriteOperation & { kind: 'insert' }>();
  /** Row ids of running rows this process inserted, by attempt. */
  readonly #rowIds = new Map<string, number | bigint>();
  #statements: Statements | undefined;
  #scheduled = false;
  #unusable = false;
  /** Something handed to this sink since the last flush was not written (flush then rejects: see TelemetrySinkV1). */
  #lostSinceFlush = false;
  #disposed = false;
  readonly #unregisterRead: () => void;

  constructor(options: SqliteSinkOptions) {
    this.#store = options.store;
    this.#captureContent = options.captureContent;
    this.#maxBatch = options.maxBatch ?? 1_000;
    this.#closeStoreOnDispose = options.closeStoreOnDispose ?? false;
    // setImmediate, not a microtask: the commit then runs after the kernel has started the tool, while the tool
    // works, instead of delaying its start (measured: about 12 ms of an `exec` start, mostly the first HMAC and
    // the transaction).
    this.#schedule = options.schedule ?? ((commit) => void setImmediate(commit));
    this.#reporter = new FailureReporter('telemetry', options.logger, options.store.path);
    this.#unregisterRead = this.#store.onBeforeRead(() => this.#commit());
    liveSinks.add(this);
    ensureExitHook();
  }

  /** Events: only an attempt's start, written as a running row so that readers (the dashboard) see it live. */
  handle(event: LlmServiceEvent): void {
    if (event.type === 'invocation.started') this.#guarded(() => this.#started(event));
  }

  /** An attempt ended: its row is completed (or, started and ended within one turn, inserted finished). */
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

  /** Commits what is queued; rejects when anything handed over since the last flush could not be written. */
  async flush(): Promise<void> {
    this.#commit();
    if (!this.#lostSinceFlush && !this.#unusable) return;
    this.#lostSinceFlush = false;
    throw new TelemetryError(TelemetryErrorCode.write, 'the telemetry database did not record every event', {
      hint: 'see the warning above for why',
    });
  }

  async dispose(): Promise<void> {
    this.#commit();
    this.#disposed = true;
    this.#unregisterRead();
    liveSinks.delete(this);
    this.#reporter.summarise();
    if (this.#closeStoreOnDispose) this.#store.close();
  }

  /** Commits the queue now (also what flush() does); exported for the process-exit hook. */
  commitNow(): void {
    this.#commit();
  }

  #started(event: Extract<LlmServiceEvent, { type: 'invocation.started' }>): void {
    const row = runningRow({ ...event, startedAt: event.at });
    const key = attemptKey(event.invocationId, event.attempt);
    const operation = { kind: 'insert' as const, key, row, answer: null };
    this.#queuedInserts.set(key, operation);
    this.#enqueue(operation);
  }

  #ended(record: AttemptRecordV1): void {
    const answer = this.#captureContent && record.text !== undefined ? record.text : null;
    const key = attemptKey(record.invocationId, record.attempt);
    const queued = this.#queuedInserts.get(key);
    if (queued) {
      // Started and finished before the queue was committed: insert the finished row directly.
      this.#queuedInserts.delete(key);
      applyRecord(queued.row, record);
      queued.key = undefined;
      queued.answer = answer;
      this.#scheduleCommit();
      return;
    }
    this.#enqueue({ kind: 'complete', key, record, answer });
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
    row.promptSha256 = record.promptSha256;
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
    this.#enqueue({ kind: 'insert', key: undefined, row, answer: null });
  }

  #enqueue(operation: WriteOperation): void {
    this.#queue.push(operation);
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
    const operations = this.#queue;
    if (operations.length === 0) return;
    this.#queue = [];
    this.#queuedInserts.clear();
    if (this.#unusable) {
      this.#lostSinceFlush = true;
      return;
    }
    let statements: Statements;
    try {
      statements = this.#prepare();
    } catch (error) {
      // The database cannot be opened (a newer schema, no permission): stop trying for this process.
      this.#unusable = true;
      this.#lostSinceFlush = true;
      this.#reporter.report(error, operations.length);
      return;
    }
    try {
      statements.writeBatch(operations);
    } catch (error) {
      this.#lostSinceFlush = true;
      this.#reporter.report(error, operations.length);
    }
  }

  #prepare(): Statements {
    if (this.#statements) return this.#statements;
    // The first redaction compiles its patterns (about 0.4 ms, measured on the first call against later ones). The
    // first commit is an attempt's start, written while its tool runs: compiled now, an `exec` does not spend that
    // time after the answer, when the attempt's record (its cost note) is redacted (0.5 ms less from the tool's exit
    // to the end, measured interleaved).
    redactSecrets('');
    const db = this.#store.open();
    const hasher = this.#store.promptHasher();
    const insert = db.prepare(insertInvocationSql);
    const insertContent = db.prepare(
      'INSERT OR REPLACE INTO invocation_content (invocation_row, answer) VALUES (?, ?)',
    );
    const complete = db.prepare(completeSql);
    const findRunning = db.prepare<unknown[], { id: number }>(
      "SELECT id FROM invocations WHERE invocation_id = ? AND attempt = ? AND status = 'running' ORDER BY id DESC LIMIT 1",
    );
    const insertRow = (row: InvocationRow): number | bigint =>
      insert.run(insertParameters(row, row.promptSha256 === null ? null : hasher.hash(row.promptSha256)))
        .lastInsertRowid;
    const completeRow = (id: number | bigint, record: AttemptRecordV1): void => {
      const row = emptyRow(record);
      applyRecord(row, record);
      complete.run(
        row.finishedAt,
        row.status,
        row.errorKind,
        row.message,
        row.reason,
        row.inputTokens,
        row.outputTokens,
        row.cacheReadTokens,
        row.cacheWriteTokens,
        row.inputTokens + row.outputTokens + row.cacheReadTokens + row.cacheWriteTokens,
        row.costUsd,
        row.costSource,
        row.computedCostUsd,
        row.priceHash,
        row.baselineModel,
        row.baselineCostUsd,
        row.latencyMs,
        row.exitCode,
        row.sessionId,
        row.turns,
        record.billing ?? null,
        id,
      );
    };
    /** Returns the ids of the running rows it inserted; they are remembered only once the transaction commits. */
    const writeBatch = db.transaction((operations: readonly WriteOperation[]) => {
      const inserted = new Map<string, number | bigint>();
      for (const operation of operations) {
        if (operation.kind === 'insert') {
          const id = insertRow(operation.row);
          if (operation.key !== undefined) inserted.set(operation.key, id);
          if (operation.answer !== null) insertContent.run(id, operation.answer);
          continue;
        }
        let id = inserted.get(operation.key) ?? this.#rowIds.get(operation.key);
        inserted.delete(operation.key);
        const { record } = operation;
        if (id === undefined) id = findRunning.get(record.invocationId, record.attempt)?.id;
        if (id === undefined) {
          // The start was never recorded (its write failed): the finished attempt is recorded on its own.
          const row = runningRow(record);
          applyRecord(row, record);
          id = insertRow(row);
        } else completeRow(id, record);
        if (operation.answer !== null) insertContent.run(id, operation.answer);
      }
      return inserted;
    });
    this.#statements = {
      writeBatch: (operations) => {
        const inserted = writeBatch.immediate(operations);
        for (const operation of operations) {
          if (operation.kind === 'complete') this.#rowIds.delete(operation.key);
        }
        for (const [key, id] of inserted) remember(this.#rowIds, key, id);
      },
    };
    return this.#statements;
  }
}

/** Sinks with queued work when the process exits (process.exit() after an event, before the microtask ran). */
const liveSinks = new Set<SqliteSink>();
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
