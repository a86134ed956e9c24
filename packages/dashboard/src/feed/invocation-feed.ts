import type { InvocationRecord, TelemetryQueryV1 } from '@llm-service/spec';
import { Subject, type Observable } from 'rxjs';
import type { InvocationRow } from '../model.js';

export interface InvocationFeedOptions {
  query: TelemetryQueryV1;
  /** How often the database is read when nothing reports a change (telemetry's `watch` makes it sooner). */
  pollMs?: number;
  /** How many of the newest attempts the feed keeps and a loading page gets. */
  keep?: number;
  /** Only this project's attempts (the config's, unless `--all-projects`); every project's when absent. */
  project?: string;
}

const keyOf = (record: InvocationRecord) => `${record.invocationId}#${record.attempt}`;

/** What makes a row worth sending again: its state, not its identity. */
const stateOf = (record: InvocationRecord) =>
  [
    record.status,
    record.finishedAt,
    record.outputTokens,
    record.inputTokens,
    record.costUsd,
    record.latencyMs,
    record.costSource,
    record.message,
  ].join('|');

/**
 * The newest invocation attempts, kept current from the telemetry database: what any process records appears here,
 * not only this one's. Each read takes the newest rows and the running ones (both served by indexes, so a database
 * of a million rows reads as fast as a small one); a row seen running that drops out of both is read back through its
 * chain, so a long run still completes in place.
 */
export class InvocationFeed {
  readonly #query: TelemetryQueryV1;
  readonly #pollMs: number;
  readonly #keep: number;
  readonly #project: string | undefined;
  readonly #changes = new Subject<InvocationRow>();
  readonly #rows = new Map<string, { row: InvocationRow; state: string }>();
  #timer: NodeJS.Timeout | undefined;
  #stopWatching: (() => void) | undefined;
  #reading: Promise<void> | undefined;
  #readAgain = false;
  #closed = false;

  constructor(options: InvocationFeedOptions) {
    this.#query = options.query;
    this.#pollMs = options.pollMs ?? 500;
    this.#keep = options.keep ?? 200;
    this.#project = options.project;
  }

  get changes(): Observable<InvocationRow> {
    return this.#changes.asObservable();
  }

  /** The kept attempts, newest first. */
  recent(): InvocationRow[] {
    return [...this.#rows.values()]
      .map(({ row }) => row)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.key.localeCompare(a.key));
  }

  async start(): Promise<void> {
    await this.refresh();
    this.#stopWatching = this.#query.watch?.(() => void this.refresh());
    this.#schedule();
  }

  /** Reads the database now; calls that arrive during a read coalesce into one more read after it. */
  refresh(): Promise<void> {
    if (this.#reading) {
      this.#readAgain = true;
      return this.#reading;
    }
    this.#reading = this.#read().finally(() => {
      this.#reading = undefined;
      if (this.#readAgain && !this.#closed) {
        this.#readAgain = false;
        void this.refresh();
      }
    });
    return this.#reading;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#stopWatching?.();
    await this.#reading;
    this.#changes.complete();
  }

  #schedule() {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      void this.refresh().finally(() => this.#schedule());
    }, this.#pollMs);
    this.#timer.unref();
  }

  async #read(): Promise<void> {
    const project = this.#project;
    const scope = project === undefined ? {} : { project };
    const [newest, allRunning] = await Promise.all([
      this.#query.invocations({ ...scope, limit: this.#keep }),
      this.#query.running(),
    ]);
    // `running()` takes no filter: few attempts run at once, so the other projects' are dropped here.
    const running =
      project === undefined ? allRunning : allRunning.filter((record) => record.project === project);
    const seen = new Set<string>();
    for (const record of [...newest, ...running]) {
      seen.add(keyOf(record));
      this.#update(record);
    }
    const vanished = [...this.#rows.values()]
      .map(({ row }) => row)
      .filter((row) => row.status === 'running' && !seen.has(row.key));
    for (const row of vanished) {
      const chain = await this.#query.invocations({ ...scope, chainId: row.chainId, limit: 100 });
      const latest = chain.find((record) => keyOf(record) === row.key);
      if (latest) this.#update(latest);
    }
    this.#trim();
  }

  #update(record: InvocationRecord) {
    const key = keyOf(record);
    const state = stateOf(record);
    if (this.#rows.get(key)?.state === state) return;
    const row: InvocationRow = { ...record, key };
    this.#rows.set(key, { row, state });
    if (!this.#closed) this.#changes.next(row);
  }

  /** Keeps the newest `keep` attempts, and every attempt still running however old. */
  #trim() {
    const finished = this.recent().filter((row) => row.status !== 'running');
    for (const row of finished.slice(this.#keep)) this.#rows.delete(row.key);
  }
}
