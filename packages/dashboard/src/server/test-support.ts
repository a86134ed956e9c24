/** Fakes of the board and feeds, and a raw HTTP client, for the server's tests. */
import { request, type IncomingHttpHeaders } from 'node:http';
import { Subject } from 'rxjs';
import { sumAttempts } from '../feed/task-spend.js';
import type { BoardInfo, InvocationRow, SpendSnapshot, TaskAnswer, TaskCard, TaskSpend } from '../model.js';
import type { BoardChange, DashboardBoard, DashboardFeeds } from './types.js';

export function taskCard(overrides: Partial<TaskCard> = {}): TaskCard {
  return {
    key: 'T-1',
    column: 'inbox',
    path: 'inbox/T-1.yaml',
    problem: null,
    warnings: [],
    id: 'T-1',
    agent: 'architect',
    status: 'new',
    title: 'Design the cache',
    priority: 'medium',
    taskType: null,
    description: null,
    descriptionHtml: null,
    acceptanceCriteria: [],
    notes: null,
    contextFiles: [],
    dependsOn: [],
    createdAt: '2026-12-01T10:00:00Z',
    assignedAt: null,
    startedAt: null,
    completedAt: null,
    result: null,
    error: null,
    spend: null,
    revision: 'r1',
    ...overrides,
  };
}

export function invocationRow(overrides: Partial<InvocationRow> = {}): InvocationRow {
  return {
    key: 'inv-1#1',
    invocationId: 'inv-1',
    chainId: 'chain-1',
    attempt: 1,
    startedAt: '2026-12-01T10:00:00.000Z',
    finishedAt: null,
    agent: 'architect',
    taskType: null,
    tool: 'stand-in',
    model: 'stand-in-large',
    reason: 'preferred',
    status: 'running',
    errorKind: null,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: null,
    costSource: null,
    latencyMs: null,
    project: 'default',
    message: null,
    forceReason: null,
    taskId: null,
    billing: 'api',
    ...overrides,
  };
}

export function spendSnapshot(overrides: Partial<SpendSnapshot> = {}): SpendSnapshot {
  return {
    at: '2026-12-01T10:00:00.000Z',
    totals: { todayUsd: 0, weekUsd: 0, monthUsd: 0 },
    savings: { baselineUsd: 0, actualUsd: 0, savedUsd: 0 },
    budgets: null,
    windows: null,
    byModel: [],
    byAgent: [],
    modelTotals: [],
    agentTotals: [],
    computeMs: 0,
    unknownCosts: { today: 0, week: 0, month: 0 },
    ...overrides,
  };
}

/** A board whose cards a test puts and removes; its changes are not faked (the real board's tests cover them). */
export class FakeBoard implements DashboardBoard {
  readonly subject = new Subject<BoardChange>();
  readonly changes = this.subject.asObservable();
  readonly cardsByKey = new Map<string, TaskCard>();

  info(): BoardInfo {
    return { available: true, workDir: '/work/collaboration', agents: ['architect', 'writer'] };
  }

  cards(): TaskCard[] {
    return [...this.cardsByKey.values()];
  }

  put(card: TaskCard): void {
    this.cardsByKey.set(card.key, card);
    this.subject.next({ type: 'task', data: card });
  }

  remove(key: string): void {
    this.cardsByKey.delete(key);
    this.subject.next({ type: 'task-removed', data: { key } });
  }

  create(): Promise<TaskCard> {
    return Promise.reject(new Error('not in this fake'));
  }
  assign(): Promise<TaskCard> {
    return Promise.reject(new Error('not in this fake'));
  }
  retry(): Promise<TaskCard> {
    return Promise.reject(new Error('not in this fake'));
  }
  setPriority(): Promise<TaskCard> {
    return Promise.reject(new Error('not in this fake'));
  }
  answer(): Promise<TaskAnswer> {
    return Promise.reject(new Error('not in this fake'));
  }
}

export class FakeFeeds implements DashboardFeeds {
  readonly rows = new Map<string, InvocationRow>();
  readonly invocationSubject = new Subject<InvocationRow>();
  readonly spendSubject = new Subject<SpendSnapshot>();
  spendNow = spendSnapshot();
  readonly invocations = {
    changes: this.invocationSubject.asObservable(),
    recent: () => [...this.rows.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt)),
  };
  readonly spend = {
    changes: this.spendSubject.asObservable(),
    current: () => this.spendNow,
  };

  record(row: InvocationRow): void {
    this.rows.set(row.key, row);
    this.invocationSubject.next(row);
  }

  setSpend(spend: SpendSnapshot): void {
    this.spendNow = spend;
    this.spendSubject.next(spend);
  }

  /** A task's spend as telemetry would sum it: its rows among those kept here. */
  taskSpend(taskId: string): TaskSpend | null {
    const rows = [...this.rows.values()].filter((row) => row.taskId === taskId);
    return rows.length === 0 ? null : sumAttempts(rows);
  }
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP request with exactly these headers (fetch would not let a test set `Host`). */
export function send(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { Host: `127.0.0.1:${port}`, ...options.headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
  retry?: string;
}

export interface SseClient {
  status: number;
  headers: IncomingHttpHeaders;
  messages: SseMessage[];
  /** Resolves once `count` messages (comments included) have arrived. */
  waitFor(predicate: (messages: SseMessage[]) => boolean, timeoutMs?: number): Promise<SseMessage[]>;
  close(): void;
  ended: Promise<void>;
}

/** Opens the event stream and parses what arrives. */
export function openEvents(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { Host: `127.0.0.1:${port}`, ...headers }, agent: false },
      (res) => {
        const messages: SseMessage[] = [];
        const waiters = new Set<() => void>();
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const message: SseMessage = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) message.comment = line.slice(1).trim();
              else {
                const colon = line.indexOf(':');
                const field = line.slice(0, colon) as 'id' | 'event' | 'data' | 'retry';
                const value = line.slice(colon + 1).replace(/^ /, '');
                message[field] =
                  field === 'data' && message.data !== undefined ? `${message.data}\n${value}` : value;
              }
            }
            messages.push(message);
          }
          for (const waiter of waiters) waiter();
        });
        const ended = new Promise<void>((resolveEnd) => {
          res.on('end', () => resolveEnd());
          res.on('close', () => resolveEnd());
        });
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          messages,
          ended,
          close: () => req.destroy(),
          waitFor: (predicate, timeoutMs = 5_000) =>
            new Promise((resolveWait, rejectWait) => {
              const check = () => {
                if (!predicate(messages)) return;
                waiters.delete(check);
                clearTimeout(timer);
                resolveWait(messages);
              };
              const timer = setTimeout(() => {
                waiters.delete(check);
                rejectWait(new Error(`events did not arrive in time; got ${JSON.stringify(messages)}`));
              }, timeoutMs);
              waiters.add(check);
              check();
            }),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The events (not comments or retry hints) among the messages. */
export const eventsOf = (messages: readonly SseMessage[]) => messages.filter((message) => message.event);

/** Polls `read` until it gives a value; rejects after `timeoutMs`. */
export async function until<T>(read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('not in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
