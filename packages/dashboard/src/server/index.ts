import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import {
  lazySchema,
  TaskStoreToken,
  UsageError,
  type CommandInput,
  type KernelHandle,
  type TaskStoreV1,
} from '@llm-service/spec';
import type { Subscription } from 'rxjs';
import { z } from 'zod';
import { MissingBoard, StoreBoard } from '../board/index.js';
import { openDashboardSources } from '../feed/index.js';
import { createDashboardApp } from './app.js';
import { EventHub } from './event-hub.js';
import { allowedHosts, hostForUrl, isWildcardHost } from './security.js';
import { defaultWebDir } from './static-files.js';
import type { DashboardBoard, DashboardFeeds } from './types.js';

export { createDashboardApp, type DashboardAppOptions } from './app.js';
export { EventHub, type StoredEvent } from './event-hub.js';
export {
  BoardRefusal,
  isBoardRefusal,
  type BoardChange,
  type DashboardBoard,
  type DashboardFeeds,
  type NewTaskFromPage,
} from './types.js';

export interface DashboardServerOptions {
  board: DashboardBoard;
  sources: DashboardFeeds;
  /** The address to bind, e.g. `127.0.0.1`. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  token: string;
  /** The config's project, named on the page (default `default`); the feeds decide whose rows they read. */
  project?: string;
  /** The feeds read every project's invocations and spend (`--all-projects`): the page offers a project filter. */
  allProjects?: boolean;
  /** The built page; default: the package's `dist/web`. */
  webDir?: string;
  /** Events kept for clients that reconnect (default 5,000). */
  bufferSize?: number;
  keepAliveMs?: number;
}

export interface DashboardServer {
  /** The page's address, without the token: `http://127.0.0.1:PORT/`. */
  url: string;
  /** The address to open: `url` with `?token=`. */
  pageUrl: string;
  port: number;
  /** Ends every event stream and stops listening. */
  close(): Promise<void>;
}

/** Serves the dashboard for a board and feeds; resolves once listening. Port in use and bad address: UsageError. */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const hub = new EventHub(options.bufferSize);
  let hosts: ReadonlySet<string> = new Set();
  const app = createDashboardApp({
    board: options.board,
    sources: options.sources,
    hub,
    token: options.token,
    project: options.project,
    allProjects: options.allProjects,
    webDir: options.webDir ?? defaultWebDir(),
    hosts: () => hosts,
    keepAliveMs: options.keepAliveMs,
  });
  const subscriptions: Subscription[] = [
    options.board.changes.subscribe((change) => hub.publish(change)),
    options.sources.invocations.changes.subscribe((row) => hub.publish({ type: 'invocation', data: row })),
    options.sources.spend.changes.subscribe((spend) => hub.publish({ type: 'spend', data: spend })),
  ];
  const server = createAdaptorServer({ fetch: app.fetch });
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
  } catch (error) {
    for (const subscription of subscriptions) subscription.unsubscribe();
    hub.close();
    throw listenError(error, options.host, options.port);
  }
  const port = (server.address() as AddressInfo).port;
  // Bound to every interface, the page may be opened on any of this machine's addresses.
  hosts = allowedHosts(options.host, port, isWildcardHost(options.host) ? interfaceAddresses() : []);
  const urlHost = isWildcardHost(options.host) ? '127.0.0.1' : hostForUrl(options.host);
  const url = `http://${urlHost}:${port}/`;
  let closing: Promise<void> | undefined;
  return {
    url,
    pageUrl: `${url}?token=${encodeURIComponent(options.token)}`,
    port,
    close() {
      closing ??= new Promise<void>((resolveClose) => {
        for (const subscription of subscriptions) subscription.unsubscribe();
        hub.close();
        server.close(() => resolveClose());
        // Event streams and idle keep-alive connections would hold `close` open.
        const http = server as { closeAllConnections?: () => void };
        setTimeout(() => http.closeAllConnections?.(), 100).unref();
      });
      return closing;
    },
  };
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((addresses) =>
    (addresses ?? []).map((address) => address.address.replace(/%.*$/, '')),
  );
}

function listenError(error: unknown, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new UsageError(`port ${port} is already in use on ${host}`, {
      hint: `stop what listens on port ${port}, pass another --port, or --port 0 to pick a free one`,
      cause: error,
    });
  }
  if (code === 'EACCES') {
    return new UsageError(`not allowed to listen on port ${port}`, {
      hint: 'ports below 1024 need privileges; pass a higher --port, or --port 0 to pick a free one',
      cause: error,
    });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new UsageError(`cannot listen on --host ${host}: no such address on this machine`, {
      hint: 'use 127.0.0.1 (the default), or an address of one of this machine’s interfaces',
      cause: error,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}

const dashboardOptions = lazySchema(() =>
  z.object({
    port: z.union([z.string(), z.number()]).optional(),
    host: z.string().optional(),
    workDir: z.string().optional(),
    token: z.string().optional(),
    open: z.boolean().optional(),
    allProjects: z.boolean().optional(),
  }),
);

const portSchema = lazySchema(() => z.coerce.number().int().min(0).max(65535));
const tokenSchema = lazySchema(() =>
  z
    .string()
    .min(16)
    .max(512)
    .regex(/^[A-Za-z0-9._~-]+$/),
);
const hostSchema = lazySchema(() =>
  z
    .string()
    .min(1)
    .max(253)
    .regex(/^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*|[A-Za-z0-9.-]+)$/),
);

/** Validated options of `llm-service dashboard`. */
export function parseDashboardOptions(raw: Readonly<Record<string, unknown>>): {
  port: number;
  host: string;
  /** Absent: the task store's own (`tasks.work_dir`, else `work/collaboration`). */
  workDir: string | undefined;
  token: string | undefined;
  open: boolean;
  allProjects: boolean;
} {
  const options = dashboardOptions.parse(raw);
  const portText = String(options.port ?? '4317').trim();
  const port = /^\d+$/.test(portText) ? portSchema.safeParse(portText) : undefined;
  if (!port?.success) {
    throw new UsageError(`--port must be an integer from 0 to 65535, not ${JSON.stringify(portText)}`, {
      hint: '--port 0 picks a free port',
    });
  }
  const host = (options.host ?? '127.0.0.1').trim();
  if (!hostSchema.safeParse(host).success) {
    throw new UsageError(`--host must be an IP address or host name, not ${JSON.stringify(host)}`, {
      hint: '--host 127.0.0.1 (the default) keeps the page on this machine',
    });
  }
  if (options.token !== undefined && !tokenSchema.safeParse(options.token).success) {
    throw new UsageError('--token must be at least 16 characters of A-Z a-z 0-9 - _ . ~', {
      hint: 'leave --token out to get a new random token each run',
    });
  }
  return {
    port: port.data,
    host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host,
    workDir: options.workDir,
    token: options.token,
    open: options.open === true,
    allProjects: options.allProjects === true,
  };
}

/** The platform's opener for a URL, as a command and an argument array (run without a shell). */
export function browserOpener(url: string, platform: NodeJS.Platform = process.platform): [string, string[]] {
  if (platform === 'darwin') return ['open', [url]];
  // `start` is a cmd built-in; its first quoted argument is a window title, and `&` must be escaped for cmd.
  if (platform === 'win32') return ['cmd', ['/d', '/s', '/c', 'start', '""', url.replace(/&/g, '^&')]];
  return ['xdg-open', [url]];
}

/** Opens a URL in the default browser; when there is no opener, nothing happens (the URL is printed anyway). */
export function openInBrowser(url: string, platform: NodeJS.Platform = process.platform): void {
  const [command, args] = browserOpener(url, platform);
  try {
    const child = spawn(command, args, {
      stdio: 'ignore',
      detached: true,
      shell: false,
      windowsVerbatimArguments: platform === 'win32',
    });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener.
  }
}

const NO_TASK_STORE =
  'no loaded plugin provides a task store, so there is no board: load @llm-service/tasks (the llm-service CLI does by default)';

/**
 * The task store of the kernel (a plugin provides it, `@llm-service/tasks` by default), on `workDir` when the user
 * named one; undefined when no plugin provides one.
 */
async function taskStoreOf(
  kernel: KernelHandle,
  workDir: string | undefined,
): Promise<TaskStoreV1 | undefined> {
  const store = await kernel.service(TaskStoreToken);
  if (!store || workDir === undefined || workDir === store.workDir) return store;
  if (!store.atWorkDir) {
    throw new UsageError(`the loaded task store cannot open --work-dir ${workDir}`, {
      hint: 'set tasks.work_dir in llm-service.yaml instead, or update the plugin that provides the task store',
    });
  }
  return store.atWorkDir(workDir);
}

/**
 * `llm-service dashboard`: serves the page until SIGINT or SIGTERM, then closes everything and returns 0. The page
 * shows the config's project's invocations and spend, or every project's with `--all-projects`.
 */
export async function runDashboard(input: CommandInput): Promise<number> {
  const options = parseDashboardOptions(input.options);
  const kernel = await input.kernel();
  const config = await kernel.config();
  const token = options.token ?? randomBytes(24).toString('base64url');

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const sources = await openDashboardSources(
      kernel,
      options.allProjects ? {} : { project: config.project },
    );
    closers.push(() => sources.close());
    const store = await taskStoreOf(
      kernel,
      options.workDir === undefined ? undefined : resolve(config.dir, options.workDir),
    );
    let board: StoreBoard | MissingBoard;
    if (store) {
      const storeBoard = new StoreBoard({
        store,
        agents: Object.keys(config.agents),
        readSpend: (taskId) => sources.readTaskSpend(taskId),
        invocations: sources.invocations.changes,
      });
      closers.push(() => storeBoard.close());
      await storeBoard.start();
      board = storeBoard;
    } else {
      board = new MissingBoard(NO_TASK_STORE);
    }
    const server = await startDashboardServer({
      board,
      sources,
      host: options.host,
      port: options.port,
      token,
      project: config.project,
      allProjects: options.allProjects,
    });
    closers.push(() => server.close());

    const stopped = new Promise<NodeJS.Signals>((resolveStop) => {
      const onSignal = (signal: NodeJS.Signals) => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolveStop(signal);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    input.io.stdout.write(`Dashboard: ${server.pageUrl}\nPress Ctrl-C to stop the dashboard.\n`);
    if (options.open) openInBrowser(server.pageUrl);
    await stopped;
    return 0;
  } finally {
    await closeAll();
  }
}
