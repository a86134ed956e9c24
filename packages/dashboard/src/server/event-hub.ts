import { randomBytes } from 'node:crypto';
import type { DashboardEvent } from '../model.js';

/** An event as the stream sends it: `id` is `<runId>.<seq>`. */
export interface StoredEvent {
  id: string;
  seq: number;
  event: DashboardEvent;
}

export interface HubListener {
  event(stored: StoredEvent): void;
  /** The hub closed (the server is stopping): end the stream. */
  close(): void;
}

/**
 * Numbers every event of this server run and keeps the last `capacity` of them, so a page that lost its connection
 * gets exactly what it missed. Ids name the run: an id from another run (the server restarted) can never be taken
 * for one of this run.
 */
export class EventHub {
  readonly runId: string;
  private seq = 0;
  private readonly ring: StoredEvent[] = [];
  private readonly listeners = new Set<HubListener>();
  private closed = false;

  constructor(
    private readonly capacity = 5_000,
    runId = randomBytes(9).toString('base64url'),
  ) {
    this.runId = runId;
  }

  /** The id of the newest event, `<runId>.0` before the first one. */
  get lastEventId(): string {
    return `${this.runId}.${this.seq}`;
  }

  publish(event: DashboardEvent): StoredEvent {
    this.seq += 1;
    const stored: StoredEvent = { id: `${this.runId}.${this.seq}`, seq: this.seq, event };
    this.ring.push(stored);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const listener of this.listeners) listener.event(stored);
    return stored;
  }

  /**
   * The events after `lastEventId`, oldest first; null when they cannot be given: the id is from another run, is
   * malformed, or names an event already evicted from the buffer.
   */
  since(lastEventId: string): StoredEvent[] | null {
    const match = /^([A-Za-z0-9_-]+)\.(\d{1,15})$/.exec(lastEventId.trim());
    if (!match || match[1] !== this.runId) return null;
    const after = Number(match[2]);
    if (after > this.seq) return null;
    if (after === this.seq) return [];
    const oldest = this.ring[0];
    if (!oldest || after < oldest.seq - 1) return null;
    return this.ring.slice(after - oldest.seq + 1);
  }

  subscribe(listener: HubListener): () => void {
    if (this.closed) {
      listener.close();
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    for (const listener of [...this.listeners]) listener.close();
    this.listeners.clear();
  }
}
