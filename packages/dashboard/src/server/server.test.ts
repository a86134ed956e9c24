import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventHub } from './event-hub.js';
import { browserOpener, parseDashboardOptions, startDashboardServer, type DashboardServer } from './index.js';
import { allowedHosts, CONTENT_SECURITY_POLICY } from './security.js';
import {
  eventsOf,
  FakeBoard,
  FakeFeeds,
  invocationRow,
  openEvents,
  send,
  spendSnapshot,
  taskCard,
  type SseClient,
} from './test-support.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${TOKEN}` };

function webDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'dashboard-web-'));
  const dir = join(root, 'web');
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>dashboard</title>');
  writeFileSync(join(dir, 'app.js'), 'console.log("app")');
  writeFileSync(join(dir, 'app.css'), 'body{}');
  writeFileSync(join(root, 'secret.txt'), 'outside');
  symlinkSync(join(root, 'secret.txt'), join(dir, 'leak.txt'));
  return dir;
}

let board: FakeBoard;
let feeds: FakeFeeds;
let server: DashboardServer;
const clients: SseClient[] = [];

async function start(options: { bufferSize?: number; keepAliveMs?: number; host?: string } = {}) {
  board = new FakeBoard();
  feeds = new FakeFeeds();
  board.cardsByKey.set('T-1', taskCard());
  server = await startDashboardServer({
    board,
    sources: feeds,
    host: options.host ?? '127.0.0.1',
    port: 0,
    token: TOKEN,
    webDir: webDir(),
    bufferSize: options.bufferSize,
    keepAliveMs: options.keepAliveMs,
  });
  return server;
}

async function events(path: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await openEvents(server.port, path, headers);
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
});

describe('dashboard server: access', () => {
  beforeEach(async () => {
    await start();
  });

  it('prints a loopback URL with the token, and serves the snapshot only with the token', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.pageUrl).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);

    const missing = await send(server.port, { path: '/api/snapshot' });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(JSON.parse(missing.body)).toEqual({ error: expect.stringContaining('token') });

    const wrong = await send(server.port, {
      path: '/api/snapshot',
      headers: { Authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    const almost = await send(server.port, {
      path: '/api/snapshot',
      headers: { Authorization: `Bearer ${TOKEN.slice(0, -1)}` },
    });
    expect(almost.status).toBe(401);

    const ok = await send(server.port, { path: '/api/snapshot', headers: auth });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({
      lastEventId: expect.stringMatching(/^[\w-]+\.0$/),
      invocations: [],
      tasks: [taskCard()],
      board: { available: true, workDir: '/work/collaboration', agents: ['architect', 'writer'] },
      spend: spendSnapshot(),
      project: 'default',
      allProjects: false,
    });

    const query = await send(server.port, { path: `/api/snapshot?token=${TOKEN}` });
    expect(query.status).toBe(200);
  });

  it('accepts the token in the query for GET only (EventSource), never for a change', async () => {
    for (const [method, path] of [
      ['PATCH', '/api/tasks/T-1'],
      ['POST', '/api/tasks'],
      ['POST', '/api/tasks/T-1/assign'],
      ['POST', '/api/tasks/T-1/retry'],
    ] as const) {
      const change = await send(server.port, {
        method,
        path: `${path}?token=${TOKEN}`,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ priority: 'high', revision: 'r1' }),
      });
      expect(change.status, path).toBe(401);
    }
    expect(board.cardsByKey.get('T-1')?.priority).toBe('medium');
  });

  it('requires the token on every bound address, not only off loopback', async () => {
    for (const path of ['/api/snapshot', '/api/events', '/api/unknown']) {
      expect((await send(server.port, { path })).status, path).toBe(401);
    }
  });

  it('answers only for its own host names (DNS rebinding)', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`]) {
      expect(
        (await send(server.port, { path: '/api/snapshot', headers: { ...auth, Host: host } })).status,
        host,
      ).toBe(200);
    }
    for (const host of [
      `evil.example:${server.port}`,
      `127.0.0.1:${server.port + 1}`,
      '127.0.0.1',
      `localhost.evil.example:${server.port}`,
    ]) {
      const refused = await send(server.port, { path: '/api/snapshot', headers: { ...auth, Host: host } });
      expect(refused.status, host).toBe(421);
      expect(refused.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    }
    // The page itself is refused too: a rebinding page must not even read it.
    expect(
      (await send(server.port, { path: '/', headers: { Host: `evil.example:${server.port}` } })).status,
    ).toBe(421);
  });

  it('refuses cross-origin requests and never sends CORS headers', async () => {
    const crossSite = await send(server.port, {
      path: '/api/snapshot',
      headers: { ...auth, Origin: 'http://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    for (const origin of [
      'null',
      `https://127.0.0.1:${server.port}`,
      `http://127.0.0.1:${server.port}.evil`,
    ]) {
      expect(
        (await send(server.port, { path: '/api/snapshot', headers: { ...auth, Origin: origin } })).status,
        origin,
      ).toBe(403);
    }
    const sameOrigin = await send(server.port, {
      path: '/api/snapshot',
      headers: { ...auth, Origin: `http://localhost:${server.port}` },
    });
    expect(sameOrigin.status).toBe(200);

    const preflight = await send(server.port, {
      method: 'OPTIONS',
      path: '/api/tasks/priority',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'PATCH' },
    });
    expect(preflight.status).toBe(403);
    for (const response of [crossSite, sameOrigin, preflight]) {
      expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('sends the security headers on every response', async () => {
    const responses = await Promise.all([
      send(server.port, { path: '/' }),
      send(server.port, { path: '/app.css' }),
      send(server.port, { path: '/missing.js' }),
      send(server.port, { path: '/api/snapshot' }),
      send(server.port, { path: '/api/snapshot', headers: auth }),
      send(server.port, { path: '/api/nothing-here', headers: auth }),
      send(server.port, { method: 'POST', path: '/', headers: {} }),
    ]);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 404, 401, 200, 404, 405]);
    for (const response of responses) {
      expect(response.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
    }
    expect(responses[4]?.headers['cache-control']).toBe('no-store');
    expect(responses[3]?.headers['cache-control']).toBe('no-store');
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('serves the page without the token, and nothing outside its directory', async () => {
    const index = await send(server.port, { path: '/' });
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body).toContain('<title>dashboard</title>');
    const app = await send(server.port, { path: '/app.js' });
    expect(app.status).toBe(200);
    expect(app.headers['content-type']).toBe('text/javascript; charset=utf-8');
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/..%5csecret.txt',
      '/leak.txt',
      '/%00index.html',
      '/.hidden.js',
      '//etc/passwd',
      '/index.html/',
    ]) {
      const response = await send(server.port, { path });
      expect(response.status, path).toBe(404);
      expect(response.body, path).not.toContain('outside');
    }
  });
});

describe('dashboard server: events', () => {
  it('streams every change as an event with a run-scoped id', async () => {
    await start();
    const stream = await events(`/api/events?token=${TOKEN}`);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toContain('text/event-stream');
    expect(stream.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    await stream.waitFor((messages) => messages.some((message) => message.retry !== undefined));

    feeds.record(invocationRow());
    board.put(taskCard({ priority: 'high' }));
    board.remove('T-1');
    feeds.setSpend(spendSnapshot({ totals: { todayUsd: 1, weekUsd: 2, monthUsd: 3 } }));
    const received = eventsOf(await stream.waitFor((messages) => eventsOf(messages).length === 4));
    expect(received.map((message) => message.event)).toEqual(['invocation', 'task', 'task-removed', 'spend']);
    const runId = received[0]?.id?.split('.')[0];
    expect(received.map((message) => message.id)).toEqual([1, 2, 3, 4].map((seq) => `${runId}.${seq}`));
    expect(JSON.parse(received[0]?.data ?? '')).toEqual(invocationRow());
    expect(JSON.parse(received[2]?.data ?? '')).toEqual({ key: 'T-1' });

    const snapshot = JSON.parse((await send(server.port, { path: '/api/snapshot', headers: auth })).body);
    expect(snapshot.lastEventId).toBe(`${runId}.4`);
  });

  it('resumes after Last-Event-ID (header or query) with exactly the missed events', async () => {
    await start();
    const first = JSON.parse((await send(server.port, { path: '/api/snapshot', headers: auth })).body);
    for (let attempt = 1; attempt <= 5; attempt++)
      feeds.record(invocationRow({ key: `inv-1#${attempt}`, attempt }));
    const runId = first.lastEventId.split('.')[0];

    const byHeader = await events(`/api/events?token=${TOKEN}&lastEventId=${runId}.0`, {
      'Last-Event-ID': `${runId}.3`,
    });
    const resumed = eventsOf(await byHeader.waitFor((messages) => eventsOf(messages).length === 2));
    expect(resumed.map((message) => message.id)).toEqual([`${runId}.4`, `${runId}.5`]);

    const byQuery = await events(`/api/events?token=${TOKEN}&lastEventId=${first.lastEventId}`);
    const all = eventsOf(await byQuery.waitFor((messages) => eventsOf(messages).length === 5));
    expect(all.map((message) => JSON.parse(message.data ?? '').key)).toEqual(
      [1, 2, 3, 4, 5].map((attempt) => `inv-1#${attempt}`),
    );

    // Live events follow the backlog, in order, without duplicates.
    feeds.record(invocationRow({ key: 'inv-2#1', invocationId: 'inv-2' }));
    const live = eventsOf(await byQuery.waitFor((messages) => eventsOf(messages).length === 6));
    expect(live.map((message) => message.id)).toEqual([1, 2, 3, 4, 5, 6].map((seq) => `${runId}.${seq}`));

    const current = await events(`/api/events?token=${TOKEN}`, { 'Last-Event-ID': `${runId}.6` });
    await current.waitFor((messages) => messages.some((message) => message.retry !== undefined));
    expect(eventsOf(current.messages)).toEqual([]);
  });

  it('sends one reset for an id of another run, a malformed id, or an evicted one', async () => {
    await start({ bufferSize: 3 });
    for (let attempt = 1; attempt <= 6; attempt++)
      feeds.record(invocationRow({ key: `inv-1#${attempt}`, attempt }));
    const runId = JSON.parse(
      (await send(server.port, { path: '/api/snapshot', headers: auth })).body,
    ).lastEventId.split('.')[0];
    // Three are kept (4, 5, 6): after 3 is fine, after 2 is not.
    const kept = await events(`/api/events?token=${TOKEN}`, { 'Last-Event-ID': `${runId}.3` });
    expect(
      eventsOf(await kept.waitFor((messages) => eventsOf(messages).length === 3)).map((m) => m.id),
    ).toEqual([`${runId}.4`, `${runId}.5`, `${runId}.6`]);
    const lastIds = [`${runId}.2`, 'otherRun.5', `${runId}.99`, 'garbage', `${runId}.-1`];
    for (const [index, lastId] of lastIds.entries()) {
      const stream = await events(`/api/events?token=${TOKEN}`, { 'Last-Event-ID': lastId });
      const [reset] = eventsOf(await stream.waitFor((messages) => eventsOf(messages).length === 1));
      expect(reset?.event, lastId).toBe('reset');
      // Its id is the newest event's, so a later reconnection resumes from there.
      expect(reset?.id).toBe(`${runId}.${6 + index}`);
      expect(JSON.parse(reset?.data ?? '')).toEqual({ reason: expect.stringContaining('snapshot') });
      // After the reset, live events follow.
      feeds.record(invocationRow({ key: `live-${lastId}#1` }));
      const after = eventsOf(await stream.waitFor((messages) => eventsOf(messages).length === 2));
      expect(after[1]?.event).toBe('invocation');
    }
  });

  it('sends keep-alive comments when idle, and ends streams when the server closes', async () => {
    await start({ keepAliveMs: 50 });
    const stream = await events(`/api/events?token=${TOKEN}`);
    await stream.waitFor(
      (messages) => messages.filter((message) => message.comment === 'keep-alive').length >= 2,
    );
    await server.close();
    await stream.ended;
  });
});

describe('EventHub', () => {
  it('numbers events per run and returns what followed an id', () => {
    const hub = new EventHub(2, 'run');
    expect(hub.lastEventId).toBe('run.0');
    expect(hub.since('run.0')).toEqual([]);
    hub.publish({ type: 'task-removed', data: { key: 'a' } });
    hub.publish({ type: 'task-removed', data: { key: 'b' } });
    hub.publish({ type: 'task-removed', data: { key: 'c' } });
    expect(hub.lastEventId).toBe('run.3');
    expect(hub.since('run.1')?.map((event) => event.id)).toEqual(['run.2', 'run.3']);
    expect(hub.since('run.2')?.map((event) => event.id)).toEqual(['run.3']);
    expect(hub.since('run.3')).toEqual([]);
    expect(hub.since('run.0')).toBeNull();
    expect(hub.since('run.4')).toBeNull();
    expect(hub.since('other.1')).toBeNull();
  });
});

describe('dashboard options', () => {
  it('validates --port, --token and --host with a usage error and a hint', () => {
    expect(parseDashboardOptions({ port: '0', host: '127.0.0.1' })).toMatchObject({
      port: 0,
      host: '127.0.0.1',
    });
    expect(parseDashboardOptions({ port: '65535', host: '[::1]' })).toMatchObject({
      port: 65535,
      host: '::1',
    });
    for (const port of ['65536', '-1', '1.5', 'abc', '', '0x10']) {
      expect(() => parseDashboardOptions({ port }), port).toThrow(
        expect.objectContaining({ code: 'E_USAGE', exitCode: 2, hint: expect.stringContaining('--port 0') }),
      );
    }
    for (const token of ['short', 'has space in it and more', 'x'.repeat(15), 'quote"quote"quote"quote']) {
      expect(() => parseDashboardOptions({ token }), token).toThrow(
        expect.objectContaining({ code: 'E_USAGE', message: expect.stringContaining('--token') }),
      );
    }
    expect(parseDashboardOptions({ token: TOKEN }).token).toBe(TOKEN);
    expect(parseDashboardOptions({}).allProjects).toBe(false);
    expect(parseDashboardOptions({ allProjects: true }).allProjects).toBe(true);
    expect(() => parseDashboardOptions({ host: 'a b' })).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    );
  });

  it('reports a port in use as a usage error naming the port and --port 0', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(
        startDashboardServer({
          board: new FakeBoard(),
          sources: new FakeFeeds(),
          host: '127.0.0.1',
          port,
          token: TOKEN,
          webDir: webDir(),
        }),
      ).rejects.toMatchObject({
        code: 'E_USAGE',
        message: expect.stringContaining(String(port)),
        hint: expect.stringContaining('--port 0'),
      });
    } finally {
      blocker.close();
    }
  });
});

describe('opening the page', () => {
  it('uses the platform opener with an argument array, never a shell', () => {
    const url = 'http://127.0.0.1:4317/?token=abc&x=1';
    expect(browserOpener(url, 'linux')).toEqual(['xdg-open', [url]]);
    expect(browserOpener(url, 'darwin')).toEqual(['open', [url]]);
    expect(browserOpener(url, 'win32')).toEqual([
      'cmd',
      ['/d', '/s', '/c', 'start', '""', 'http://127.0.0.1:4317/?token=abc^&x=1'],
    ]);
  });
});

describe('allowed hosts', () => {
  it('are the loopback names and the bound address, with the port', () => {
    expect([...allowedHosts('127.0.0.1', 4317)].sort()).toEqual(
      ['127.0.0.1:4317', '[::1]:4317', 'localhost:4317'].sort(),
    );
    expect(allowedHosts('192.168.1.5', 80)).toEqual(
      new Set([
        '127.0.0.1:80',
        '127.0.0.1',
        'localhost:80',
        'localhost',
        '[::1]:80',
        '[::1]',
        '192.168.1.5:80',
        '192.168.1.5',
      ]),
    );
    expect(allowedHosts('::', 1, ['fe80::1', '10.0.0.2']).has('[fe80::1]:1')).toBe(true);
    expect(allowedHosts('0.0.0.0', 1).has('0.0.0.0:1')).toBe(false);
  });
});
