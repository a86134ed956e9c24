import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { identifierSchema, lazySchema } from '@llm-service/spec';
import { z } from 'zod';
import { TASK_PRIORITIES, type DashboardSnapshot } from '../model.js';
import type { EventHub, StoredEvent } from './event-hub.js';
import { bearerToken, originAllowed, SECURITY_HEADERS, tokenChecker } from './security.js';
import { readStaticFile } from './static-files.js';
import { isBoardRefusal, type DashboardBoard, type DashboardFeeds } from './types.js';

export interface DashboardAppOptions {
  board: DashboardBoard;
  sources: DashboardFeeds;
  hub: EventHub;
  token: string;
  webDir: string;
  /** The config's project, named on the page (default `default`). */
  project?: string;
  /** The feeds show every project's invocations and spend (`--all-projects`); default false. */
  allProjects?: boolean;
  /** The `Host` values this server answers to; read per request because the port is known only once listening. */
  hosts: () => ReadonlySet<string>;
  /** How often an idle event stream gets a comment, so proxies and the browser keep it open. */
  keepAliveMs?: number;
  /** The `retry:` the event stream tells the browser (ms before it reconnects). */
  retryMs?: number;
}

const revision = lazySchema(() => z.string().min(1).max(200));
const identifier = lazySchema(() => identifierSchema.max(64));
const oneLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'must be one line');

/** What the page may send; the store checks again, but nothing unchecked gets that far. */
const bodies = lazySchema(() => ({
  create: z.strictObject({
    agent: identifier,
    title: oneLine(200),
    priority: z.enum(TASK_PRIORITIES).optional(),
    taskType: oneLine(64).optional(),
    description: z
      .string()
      .max(64 * 1024)
      .optional(),
    assign: z.boolean().optional(),
  }),
  assign: z.strictObject({ revision, agent: identifier.optional() }),
  retry: z.strictObject({ revision }),
  priority: z.strictObject({ revision, priority: z.enum(TASK_PRIORITIES) }),
}));
const taskId = lazySchema(() =>
  z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
);

type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 421 | 422 | 500 | 503;

function jsonError(c: Context, status: ErrorStatus, error: string) {
  return c.json({ error }, status);
}

/** The dashboard's HTTP application: the checks of every request, the API, the event stream and the page. */
export function createDashboardApp(options: DashboardAppOptions): Hono {
  const { board, sources, hub, webDir } = options;
  const tokenMatches = tokenChecker(options.token);
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const retryMs = options.retryMs ?? 1_000;
  const app = new Hono();

  app.onError((error, c) => {
    console.error(`llm-service dashboard: ${c.req.method} ${c.req.path}: ${error.message}`);
    return jsonError(c, 500, 'internal error; see the dashboard process output');
  });
  app.notFound((c) => jsonError(c, 404, 'not found'));

  // Headers on every response, whatever produced it (handlers, refusals, errors, the event stream).
  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
    c.res.headers.set(
      'Cache-Control',
      c.req.path.startsWith('/api/') || c.res.status >= 400 ? 'no-store' : 'no-cache',
    );
  });

  // DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 sends `Host: evil.example:PORT`.
  app.use('*', async (c, next) => {
    const host = (c.req.header('Host') ?? '').toLowerCase();
    if (!options.hosts().has(host)) {
      return c.json({ error: 'this server does not answer for that host name' }, 421);
    }
    // Cross-site requests: a browser names the page that sent them.
    const origin = c.req.header('Origin');
    if (origin !== undefined && !originAllowed(origin, options.hosts())) {
      return jsonError(c, 403, 'cross-origin requests are refused');
    }
    await next();
  });

  // Every API call carries the token: in the Authorization header, or (EventSource cannot set headers) `?token=`.
  app.use('/api/*', async (c, next) => {
    const presented =
      bearerToken(c.req.header('Authorization')) ??
      (c.req.method === 'GET' ? c.req.query('token') : undefined);
    if (!tokenMatches(presented)) {
      c.header('WWW-Authenticate', 'Bearer');
      return jsonError(c, 401, 'missing or wrong token: open the URL `llm-service dashboard` printed');
    }
    await next();
  });

  app.get('/api/snapshot', (c) => {
    // Everything is read in one synchronous step, so the snapshot is exactly current to `lastEventId`.
    const snapshot: DashboardSnapshot = {
      lastEventId: hub.lastEventId,
      invocations: sources.invocations.recent(),
      spend: sources.spend.current(),
      tasks: board.cards(),
      board: board.info(),
      project: options.project ?? 'default',
      allProjects: options.allProjects ?? false,
    };
    return c.json(snapshot);
  });

  app.get('/api/events', (c) => {
    const lastEventId = c.req.header('Last-Event-ID') ?? c.req.query('lastEventId');
    return streamSSE(c, (stream) =>
      streamEvents(stream, hub, lastEventId, { keepAliveMs, retryMs, maxQueued: 5_000 }),
    );
  });

  // Changes of the board: each a JSON body checked here, made through the task store with the revision the page saw.
  const limit = bodyLimit({
    maxSize: 96 * 1024,
    onError: (c) => jsonError(c, 413, 'request body too large'),
  });
  const change =
    <S extends z.ZodType>(schema: S, make: (body: z.output<S>, id: string) => Promise<unknown>) =>
    async (c: Context) => {
      if (!/^application\/json\b/i.test(c.req.header('Content-Type') ?? '')) {
        return jsonError(c, 415, 'send JSON (Content-Type: application/json)');
      }
      const id = c.req.param('id') ?? '';
      if (id !== '' && !taskId.safeParse(id).success) return jsonError(c, 404, 'no such task');
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return jsonError(c, 400, 'the body is not valid JSON');
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) return jsonError(c, 400, z.prettifyError(parsed.error).replace(/\n+/g, '; '));
      try {
        return c.json(await make(parsed.data, id), c.req.method === 'POST' && id === '' ? 201 : 200);
      } catch (error) {
        if (isBoardRefusal(error)) return jsonError(c, error.status, error.message);
        throw error;
      }
    };
  app.post(
    '/api/tasks',
    limit,
    change(bodies.create, (body) => board.create(body)),
  );
  app.post(
    '/api/tasks/:id/assign',
    limit,
    change(bodies.assign, (body, id) => board.assign(id, body.revision, body.agent)),
  );
  app.post(
    '/api/tasks/:id/retry',
    limit,
    change(bodies.retry, (body, id) => board.retry(id, body.revision)),
  );
  app.patch(
    '/api/tasks/:id',
    limit,
    change(bodies.priority, (body, id) => board.setPriority(id, body.priority, body.revision)),
  );
  app.get('/api/tasks/:id/answer', async (c) => {
    const id = c.req.param('id');
    if (!taskId.safeParse(id).success) return jsonError(c, 404, 'no such task');
    try {
      return c.json(await board.answer(id));
    } catch (error) {
      if (isBoardRefusal(error)) return jsonError(c, error.status, error.message);
      throw error;
    }
  });

  app.all('/api/*', (c) => jsonError(c, 404, 'no such API'));

  app.on(['GET', 'HEAD'], '*', async (c) => {
    const file = await readStaticFile(webDir, c.req.path);
    if (!file) return jsonError(c, 404, 'not found');
    c.header('Content-Type', file.contentType);
    if (c.req.method === 'HEAD') return c.body(null);
    return c.body(new Uint8Array(file.body));
  });

  app.all('*', (c) => jsonError(c, 405, 'method not allowed'));
  return app;
}

/**
 * One client's event stream: first what it missed since `lastEventId` (or a `reset` when that cannot be known),
 * then every event as it happens, with a keep-alive comment when idle.
 */
async function streamEvents(
  stream: SSEStreamingApi,
  hub: EventHub,
  lastEventId: string | undefined,
  timing: { keepAliveMs: number; retryMs: number; maxQueued: number },
): Promise<void> {
  const queue: StoredEvent[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  // Subscribe and read the backlog in one synchronous step: nothing falls between them.
  const unsubscribe = hub.subscribe({
    event: (stored) => {
      // A client that reads slower than events arrive is cut off rather than buffered without bound: it reconnects
      // with its last id, and gets the rest (or a reset, when the rest is gone).
      if (queue.length >= timing.maxQueued) ended = true;
      else queue.push(stored);
      signal();
    },
    close: () => {
      ended = true;
      signal();
    },
  });
  const backlog = lastEventId === undefined || lastEventId === '' ? [] : hub.since(lastEventId);
  stream.onAbort(() => {
    ended = true;
    signal();
  });
  try {
    await stream.write(`retry: ${timing.retryMs}\n\n`);
    if (backlog === null) {
      queue.length = 0;
      const reason = 'the events since your last one are no longer available; load the snapshot again';
      await stream.writeSSE({ event: 'reset', id: hub.lastEventId, data: JSON.stringify({ reason }) });
    } else {
      queue.unshift(...backlog);
    }
    while (!ended && !stream.aborted) {
      const next = queue.shift();
      if (next) {
        await stream.writeSSE({ event: next.event.type, id: next.id, data: JSON.stringify(next.event.data) });
        continue;
      }
      const woken = new Promise<boolean>((resolve) => {
        wake = () => resolve(true);
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timing.keepAliveMs);
      });
      const gotEvent = await Promise.race([woken, timedOut]);
      clearTimeout(timer);
      wake = undefined;
      if (!gotEvent && !ended) await stream.write(': keep-alive\n\n');
    }
  } finally {
    unsubscribe();
  }
}
