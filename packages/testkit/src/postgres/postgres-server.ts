/**
 * A real PostgreSQL server for tests: a fresh cluster in a temporary directory, on a free port of 127.0.0.1 only,
 * password authentication over TCP (so URLs with passwords are exercised), trust over its own Unix socket (for the
 * harness's psql). Stopped with `pg_ctl -m immediate`, as a crash would, so tests can prove a store survives it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Environment = Readonly<Record<string, string | undefined>>;

export interface PostgresAvailability {
  available: boolean;
  /** The directory of initdb, pg_ctl and psql, when found. */
  binDir?: string;
  /** Why a server cannot be started here, when it cannot. */
  reason?: string;
}

export interface PostgresServer {
  /** `postgresql://postgres:<password>@127.0.0.1:<port>/postgres`: the superuser, over TCP with a password. */
  url: string;
  /** The same as `url`: the cluster's superuser (kept apart so callers can say which one they mean). */
  adminUrl: string;
  password: string;
  port: number;
  dataDir: string;
  /** Stops the server at once, as a crash would (`pg_ctl -m immediate stop`); the data stays for `start()`. */
  stop(): Promise<void>;
  /** Starts a stopped server again on the same port. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Creates a database and returns its URL (the superuser's, with the password). */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL with psql as the superuser over the Unix socket; returns psql's unaligned, tuples-only output. */
  sql(statement: string, database?: string): Promise<string>;
  /** The URL of `database` for `user` with `password`, over TCP. */
  urlFor(database: string, user?: string, password?: string): string;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Default: a random password. */
  password?: string;
  env?: Environment;
}

const postgresUser = 'postgres';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(
  command: string,
  args: readonly string[],
  options: { env?: Environment; input?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      [...args],
      { env: { ...process.env, ...options.env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || error.message}`, {
              cause: error,
            }),
          );
          return;
        }
        resolve(stdout);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** initdb refuses to run as root: then every server program runs as the `postgres` user. */
const asRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

function runAsServerUser(binary: string, args: readonly string[]): Promise<string> {
  return asRoot() ? run('runuser', ['-u', postgresUser, '--', binary, ...args]) : run(binary, args);
}

/** The server binaries: `pg_config --bindir` when it names a directory with initdb, else the newest Debian version. */
function findBinDir(env: Environment): string | undefined {
  const configured = env['LLM_SERVICE_PG_BINDIR'];
  if (configured) return isExecutable(join(configured, 'initdb')) ? configured : undefined;
  const candidates: string[] = [];
  try {
    const root = '/usr/lib/postgresql';
    const versions = readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => join(root, version, 'bin')));
  } catch {
    // Not Debian's layout: pg_config below may still know.
  }
  return candidates.find((dir) => isExecutable(join(dir, 'initdb')));
}

let knownBinDir: string | undefined;

async function binDirOf(env: Environment): Promise<string | undefined> {
  if (knownBinDir && !env['LLM_SERVICE_PG_BINDIR']) return knownBinDir;
  let found = findBinDir(env);
  // A configured directory is the one meant: no fallback to another installation.
  if (!found && !env['LLM_SERVICE_PG_BINDIR']) {
    // Debian's /usr/bin/pg_config is the client's and may name a directory without initdb; others name the server's.
    const fromConfig = await run('pg_config', ['--bindir']).then(
      (out) => out.trim(),
      () => undefined,
    );
    if (fromConfig && isExecutable(join(fromConfig, 'initdb'))) found = fromConfig;
  }
  if (!env['LLM_SERVICE_PG_BINDIR']) knownBinDir = found;
  return found;
}

/** Whether a server can be started here, and why not (for a skip message outside CI). */
export async function postgresAvailable(env: Environment = process.env): Promise<PostgresAvailability> {
  const binDir = await binDirOf(env);
  if (!binDir) {
    return {
      available: false,
      reason:
        'PostgreSQL server binaries (initdb) not found under /usr/lib/postgresql/*/bin or pg_config --bindir; ' +
        'install them (Debian: apt-get install -y postgresql) or set LLM_SERVICE_PG_BINDIR',
    };
  }
  if (asRoot()) {
    const user = await run('id', ['-u', postgresUser]).then(
      () => true,
      () => false,
    );
    if (!user)
      return {
        available: false,
        binDir,
        reason: `running as root needs a '${postgresUser}' user for initdb`,
      };
  }
  return { available: true, binDir };
}

/**
 * The reason PostgreSQL tests are skipped, or undefined when a server can run. Under `CI=true` a missing server is a
 * failure, never a skip: it throws, so a CI image that lost its PostgreSQL cannot pass silently.
 */
export async function postgresSkipReason(env: Environment = process.env): Promise<string | undefined> {
  const availability = await postgresAvailable(env);
  if (availability.available) return undefined;
  requirePostgresInCi(availability, env);
  return availability.reason;
}

/** Throws under `CI=true` when PostgreSQL is not available. */
export function requirePostgresInCi(
  availability: PostgresAvailability,
  env: Environment = process.env,
): void {
  if (availability.available || env['CI'] !== 'true') return;
  throw new Error(`PostgreSQL is required under CI=true: ${availability.reason ?? 'not available'}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no free port'));
      });
    });
  });
}

/** A quoted SQL identifier, for database and role names in the harness's statements. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Starts a fresh server; call `destroy()` in afterAll. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const env = options.env ?? process.env;
  const availability = await postgresAvailable(env);
  if (!availability.available || !availability.binDir) {
    throw new Error(`cannot start PostgreSQL: ${availability.reason ?? 'not available'}`);
  }
  const binDir = availability.binDir;
  const password = options.password ?? randomBytes(12).toString('hex');
  const root = mkdtempSync(join(tmpdir(), 'llm-service-pg-'));
  const dataDir = join(root, 'data');
  const passwordFile = join(root, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (asRoot()) {
    const uid = Number((await run('id', ['-u', postgresUser])).trim());
    const gid = Number((await run('id', ['-g', postgresUser])).trim());
    chownSync(root, uid, gid);
    chownSync(passwordFile, uid, gid);
  }
  chmodSync(root, 0o700);
  try {
    await runAsServerUser(join(binDir, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      postgresUser,
      `--pwfile=${passwordFile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  rmSync(passwordFile, { force: true });
  const port = await freePort();
  const logFile = join(root, 'server.log');
  const settings = [
    `-p ${port}`,
    `-k ${root}`,
    "-c listen_addresses='127.0.0.1'",
    // A test cluster: durability is not what is under test, speed is welcome.
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const pgCtl = join(binDir, 'pg_ctl');
  let running = false;
  const start = async (): Promise<void> => {
    if (running) return;
    await runAsServerUser(pgCtl, ['-D', dataDir, '-o', settings, '-l', logFile, '-w', '-t', '60', 'start']);
    running = true;
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    await runAsServerUser(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    running = false;
  };
  const urlFor = (database: string, user = postgresUser, userPassword = password): string =>
    `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(userPassword)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const sql = (statement: string, database = 'postgres'): Promise<string> =>
    run(
      join(binDir, 'psql'),
      [
        '-X',
        '-q',
        '-A',
        '-t',
        '-v',
        'ON_ERROR_STOP=1',
        '-h',
        root,
        '-p',
        String(port),
        '-U',
        postgresUser,
        '-d',
        database,
      ],
      { input: statement },
    );
  try {
    await start();
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const url = urlFor('postgres');
  return {
    url,
    adminUrl: url,
    password,
    port,
    dataDir,
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    createDatabase: async (name) => {
      await sql(`CREATE DATABASE ${quoteIdentifier(name)}`);
      return urlFor(name);
    },
    sql,
    urlFor,
    destroy: async () => {
      try {
        await stop();
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
