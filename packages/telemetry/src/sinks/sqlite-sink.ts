import type {
  BudgetBlockedEvent,
  Candidate,
  InvocationFailedEvent,
  InvocationSucceededEvent,
  LlmServiceEvent,
  RequestEvent,
  TelemetrySinkV1,
  Usage,
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

type Completion =
  { kind: 'success'; event: InvocationSucceededEvent } | { kind: 'failure'; event: InvocationFailedEvent };

type WriteOperation =
  | { kind: 'insert'; key: string | undefined; row: InvocationRow; answer: string | null }
  | { kind: 'complete'; key: string; completion: Completion; answer: string | null };

/** What the sink remembers of a request between its events, for rows no attempt event describes. */
interface RequestState {
  project: string;
  taskId: string | null;
  agent: string;
  taskType: string | null;
  promptSha256: string;
  promptBytes: number;
  firstCandidate: Candidate | undefined;
  lastCandidate: Candidate | undefined;
  lastAttempt: number;
  pendingBlock: BudgetBlockedEvent | undefined;
  blockedRecorded: boolean;
  cancelledRecorded: boolean;
}

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

function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
}

function failureStatus(event: InvocationFailedEvent): InvocationStatus {
  if (event.errorKind === 'timeout') return 'timeout';
  if (event.errorKind === 'cancelled') return 'cancelled';
  return 'failed';
}

/** A failure's message, with why its cost is an estimate when it is one. */
function failureMessage(failure: InvocationFailedEvent): string {
  const message = redactSecrets(failure.message);
  return failure.cost?.note === undefined ? message : `${message} (${failure.cost.note})`;
}

function applyCompletion(row: InvocationRow, completion: Completion): void {
  const { event } = completion;
  row.finishedAt = event.at;
  row.latencyMs = event.latencyMs;
  row.tool = event.tool;
  row.model = event.model;
  row.reason = event.reason;
  if (completion.kind === 'success') {
    const success = completion.event;
    row.status = 'success';
    row.errorKind = null;
    // A success has no message, except why its cost is an estimate.
    row.message = success.costNote ?? null;
    row.inputTokens = success.usage.inputTokens;
    row.outputTokens = success.usage.outputTokens;
    row.cacheReadTokens = success.usage.cacheReadTokens;
    row.cacheWriteTokens = success.usage.cacheWriteTokens;
    // An unknown cost has no figure: recorded as NULL, never as $0.
    row.costUsd = success.costSource === 'unknown' ? null : success.costUsd;
    row.costSource = success.costSource;
    row.computedCostUsd = success.costSource === 'unknown' ? null : success.computedCostUsd;
    row.priceHash = success.priceHash || null;
    row.baselineModel = success.baselineModel;
    row.baselineCostUsd = success.baselineCostUsd ?? null;
    row.exitCode = success.exitCode;
    row.sessionId = success.sessionId ?? null;
    row.turns = success.turns ?? null;
  } else {
    const failure = completion.event;
    row.status = failureStatus(failure);
    row.errorKind = failure.errorKind;
    row.message = failureMessage(failure);
    row.exitCode = failure.exitCode ?? null;
    if (failure.cost) {
      const { usage } = failure.cost;
      row.inputTokens = usage.inputTokens;
      row.outputTokens = usage.outputTokens;
      row.cacheReadTokens = usage.cacheReadTokens;
      row.cacheWriteTokens = usage.cacheWriteTokens;
      row.costUsd = failure.cost.costUsd;
      row.costSource = failure.cost.costSource;
      row.computedCostUsd = failure.cost.computedCostUsd;
      row.priceHash = failure.cost.priceHash || null;
    }
  }
}

const completeSuccessSql = `UPDATE invocations SET
  finished_at = ?, status = 'success', error_kind = NULL, message = ?, reason = ?,
  input_tokens = ?, output_tokens = ?, cache_read_tokens = ?, cache_write_tokens = ?, total_tokens = ?,
  cost_usd = ?, cost_source = ?, computed_cost_usd = ?, price_hash = ?, baseline_model = ?, baseline_cost_usd = ?,
  latency_ms = ?, exit_code = ?, session_id = ?, turns = ?
  WHERE id = ?`;

/** A failed attempt keeps what it spent before failing (its usage and cost, when the tool reported any). */
const completeFailureSql = `UPDATE invocations SET
  finished_at = ?, status = ?, error_kind = ?, message = ?, reason = ?, latency_ms = ?, exit_code = ?,
  input_tokens = ?, output_tokens = ?, cache_read_tokens = ?, cache_write_tokens = ?, total_tokens = ?,
  cost_usd = ?, cost_source = ?, computed_cost_usd = ?, price_hash = ?
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
  readonly #requests = new Map<string, RequestState>();
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

  handle(event: LlmServiceEvent): void {
    if (this.#disposed || this.#unusable) {
      this.#lostSinceFlush = true;
      return;
    }
    try {
      this.#handle(event);
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

  #handle(event: LlmServiceEvent): void {
    switch (event.type) {
      case 'request.received':
        remember(this.#requests, event.invocationId, {
          // A kernel older than plugin API 1.4 sends no project.
          project: event.project ?? 'default',
          taskId: event.taskId ?? null,
          agent: event.agent,
          taskType: event.taskType ?? null,
          promptSha256: event.promptSha256,
          promptBytes: event.promptBytes,
          firstCandidate: undefined,
          lastCandidate: undefined,
          lastAttempt: 0,
          pendingBlock: undefined,
          blockedRecorded: false,
          cancelledRecorded: false,
        });
        break;
      case 'route.planned': {
        const state = this.#requests.get(event.invocationId);
        if (state) state.firstCandidate = event.candidates[0];
        break;
      }
      case 'invocation.started': {
        const row = emptyRow({
          invocationId: event.invocationId,
          chainId: event.chainId,
          attempt: event.attempt,
          startedAt: event.at,
        });
        row.project = event.project ?? 'default';
        row.taskId = event.taskId ?? null;
        row.agent = event.agent;
        row.taskType = event.taskType ?? null;
        row.tool = event.tool;
        row.model = event.model;
        row.reason = event.reason;
        row.baselineModel = event.baselineModel;
        row.pid = event.pid;
        row.promptSha256 = event.promptSha256;
        row.promptTokensEstimate = estimatePromptTokens(event.promptBytes);
        row.forceReason = event.forceReason === undefined ? null : redactSecrets(event.forceReason);
        const key = attemptKey(event.invocationId, event.attempt);
        const operation = { kind: 'insert' as const, key, row, answer: null };
        this.#queuedInserts.set(key, operation);
        this.#enqueue(operation);
        const state = this.#requests.get(event.invocationId);
        if (state) {
          state.lastCandidate = { tool: event.tool, model: event.model, reason: event.reason };
          state.lastAttempt = event.attempt;
        }
        break;
      }
      case 'invocation.succeeded':
        this.#complete({ kind: 'success', event }, this.#captureContent ? event.text : null);
        break;
      case 'invocation.failed': {
        this.#complete({ kind: 'failure', event }, null);
        const state = this.#requests.get(event.invocationId);
        if (state && event.errorKind === 'cancelled') state.cancelledRecorded = true;
        break;
      }
      case 'budget.blocked': {
        const state = this.#requests.get(event.invocationId);
        if (event.endsRequest) {
          this.#insertBlocked(event, state);
          if (state) state.blockedRecorded = true;
        } else if (state) {
          state.pendingBlock = event;
        }
        break;
      }
      case 'request.completed': {
        const state = this.#requests.get(event.invocationId);
        this.#requests.delete(event.invocationId);
        if (!state) break;
        if (event.status === 'blocked' && !state.blockedRecorded) {
          if (state.pendingBlock) this.#insertBlocked(state.pendingBlock, state);
          else this.#insertRequestRow(event, state, 'blocked', 'policy', 'blocked by a policy');
        } else if (event.status === 'cancelled' && !state.cancelledRecorded) {
          const message =
            state.lastAttempt === 0
              ? 'cancelled before any attempt started'
              : 'cancelled while waiting to retry';
          this.#insertRequestRow(event, state, 'cancelled', 'cancelled', message);
        }
        break;
      }
      default:
        break;
    }
  }

  #complete(completion: Completion, answer: string | null): void {
    const { event } = completion;
    const key = attemptKey(event.invocationId, event.attempt);
    const queued = this.#queuedInserts.get(key);
    if (queued) {
      // Started and finished before the queue was committed: insert the finished row directly.
      this.#queuedInserts.delete(key);
      applyCompletion(queued.row, completion);
      queued.key = undefined;
      queued.answer = answer;
      this.#scheduleCommit();
      return;
    }
    this.#enqueue({ kind: 'complete', key, completion, answer });
  }

  #insertBlocked(event: BudgetBlockedEvent, state: RequestState | undefined): void {
    const row = this.#requestRow(event, state);
    row.tool = event.candidate.tool;
    row.model = event.candidate.model;
    row.reason = event.candidate.reason;
    row.status = 'blocked';
    row.errorKind = 'policy';
    row.message = redactSecrets(`${event.policy}: ${event.message}`);
    this.#enqueue({ kind: 'insert', key: undefined, row, answer: null });
  }

  #insertRequestRow(
    event: RequestEvent,
    state: RequestState,
    status: InvocationStatus,
    errorKind: string,
    message: string,
  ): void {
    const row = this.#requestRow(event, state);
    const candidate = state.pendingBlock?.candidate ?? state.lastCandidate ?? state.firstCandidate;
    if (candidate) {
      row.tool = candidate.tool;
      row.model = candidate.model;
      row.reason = candidate.reason;
    }
    row.status = status;
    row.errorKind = errorKind;
    row.message = message;
    this.#enqueue({ kind: 'insert', key: undefined, row, answer: null });
  }

  /** A finished row for a request-level outcome (blocked, cancelled) that no attempt event describes. */
  #requestRow(event: RequestEvent, state: RequestState | undefined): InvocationRow {
    const row = emptyRow({
      invocationId: event.invocationId,
      chainId: event.chainId,
      attempt: (state?.lastAttempt ?? event.attempt) + 1,
      startedAt: event.at,
    });
    row.finishedAt = event.at;
    row.pid = process.pid;
    if (state) {
      row.project = state.project;
      row.taskId = state.taskId;
      row.agent = state.agent;
      row.taskType = state.taskType;
      row.promptSha256 = state.promptSha256;
      row.promptTokensEstimate = estimatePromptTokens(state.promptBytes);
      row.baselineModel = state.firstCandidate?.model ?? null;
    }
    return row;
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
    const db = this.#store.open();
    const hasher = this.#store.promptHasher();
    const insert = db.prepare(insertInvocationSql);
    const insertContent = db.prepare(
      'INSERT OR REPLACE INTO invocation_content (invocation_row, answer) VALUES (?, ?)',
    );
    const completeSuccess = db.prepare(completeSuccessSql);
    const completeFailure = db.prepare(completeFailureSql);
    const findRunning = db.prepare<unknown[], { id: number }>(
      "SELECT id FROM invocations WHERE invocation_id = ? AND attempt = ? AND status = 'running' ORDER BY id DESC LIMIT 1",
    );
    const insertRow = (row: InvocationRow): number | bigint =>
      insert.run(insertParameters(row, row.promptSha256 === null ? null : hasher.hash(row.promptSha256)))
        .lastInsertRowid;
    const completeRow = (id: number | bigint, completion: Completion): void => {
      if (completion.kind === 'success') {
        const success = completion.event;
        const usage = success.usage;
        completeSuccess.run(
          success.at,
          success.costNote ?? null,
          success.reason,
          usage.inputTokens,
          usage.outputTokens,
          usage.cacheReadTokens,
          usage.cacheWriteTokens,
          usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens,
          success.costSource === 'unknown' ? null : success.costUsd,
          success.costSource,
          success.costSource === 'unknown' ? null : success.computedCostUsd,
          success.priceHash || null,
          success.baselineModel,
          success.baselineCostUsd ?? null,
          success.latencyMs,
          success.exitCode,
          success.sessionId ?? null,
          success.turns ?? null,
          id,
        );
      } else {
        const failure = completion.event;
        completeFailure.run(
          failure.at,
          failureStatus(failure),
          failure.errorKind,
          failureMessage(failure),
          failure.reason,
          failure.latencyMs,
          failure.exitCode ?? null,
          failure.cost?.usage.inputTokens ?? 0,
          failure.cost?.usage.outputTokens ?? 0,
          failure.cost?.usage.cacheReadTokens ?? 0,
          failure.cost?.usage.cacheWriteTokens ?? 0,
          failure.cost ? totalTokens(failure.cost.usage) : 0,
          failure.cost?.costUsd ?? null,
          failure.cost?.costSource ?? null,
          failure.cost?.computedCostUsd ?? null,
          failure.cost?.priceHash || null,
          id,
        );
      }
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
        const { event } = operation.completion;
        if (id === undefined) id = findRunning.get(event.invocationId, event.attempt)?.id;
        if (id === undefined) {
          // The start was never recorded (its write failed): record the finished attempt on its own.
          const row = emptyRow({
            invocationId: event.invocationId,
            chainId: event.chainId,
            attempt: event.attempt,
            startedAt: new Date(Date.parse(event.at) - event.latencyMs).toISOString(),
          });
          row.agent = event.agent;
          applyCompletion(row, operation.completion);
          id = insertRow(row);
        } else {
          completeRow(id, operation.completion);
        }
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
