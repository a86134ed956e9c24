import pg, { type PoolClient } from 'pg';
import { isConnectionFailure, PostgresStoreError, PostgresStoreErrorCode } from '../errors.js';
import { migrate } from '../schema/migrate.js';
import { changeChannel, schemaName } from '../schema/migrations.js';
import { parseDatabaseUrl, type ParsedUrl } from './location.js';

export interface DatabaseOptions {
  url: string;
  project: string;
  /** Connections at most (default 4): a CLI run needs one or two, a dashboard a few. */
  maxConnections?: number;
}

const oid = { int8: 20, numeric: 1700, timestamptz: 1184 } as const;

/**
 * Per pool, never pg's global parsers (another library in the process may want strings): counts and sums come back
 * as numbers (bigint and numeric are strings by default; every value here is far below 2^53), and instants as the
 * ISO 8601 strings the contract speaks (`toISOString`, millisecond precision, as the SQLite store's).
 */
const types = {
  getTypeParser(id: number, format?: 'text' | 'binary') {
    if (id === oid.int8 || id === oid.numeric) return (value: string) => Number(value);
    if (id === oid.timestamptz) {
      const parse = pg.types.getTypeParser(oid.timestamptz, 'text') as (value: string) => Date;
      return (value: string) => parse(value).toISOString();
    }
    return format === 'binary' ? pg.types.getTypeParser(id, 'binary') : pg.types.getTypeParser(id, 'text');
  },
} as pg.CustomTypesConfig;

/** SQLSTATEs worth one more try of a whole transaction: a deadlock, or a serialisation failure. */
const retryable = new Set(['40P01', '40001']);

/**
 * The pool, the schema and the project: nothing connects until the first query; the first use migrates (once per
 * instance, again after a failure) and checks the role may act for the project.
 */
export class Database {
  readonly location: string;
  readonly project: string;
  readonly #url: ParsedUrl;
  readonly #max: number;
  #pool: pg.Pool | undefined;
  #ready: Promise<number> | undefined;
  /** The stops of the watches still listening, all called by close(). */
  readonly #watches = new Set<() => void>();
  /** Clients whose session already carries the project setting. */
  readonly #configured = new WeakSet<PoolClient>();

  constructor(options: DatabaseOptions) {
    this.#url = parseDatabaseUrl(options.url);
    this.location = this.#url.location;
    this.project = options.project;
    this.#max = options.maxConnections ?? 4;
  }

  /** The schema version the first use found or made. */
  version(): Promise<number> {
    return this.#prepared();
  }

  /** Runs `work` with a client of the pool whose session carries the project setting. */
  async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    await this.#prepared();
    return this.#withRawClient(work);
  }

  /** Runs `work` in one transaction (retried from the start after a deadlock), committed when it returns. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withClient(async (client) => {
          await client.query('BEGIN');
          try {
            const result = await work(client);
            await client.query('COMMIT');
            return result;
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
        });
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (attempt < 4 && typeof code === 'string' && retryable.has(code)) continue;
        throw error;
      }
    }
  }

  /**
   * Calls `onChange` on every notification of a change (see migration 3), over a connection of its own (a LISTEN
   * holds its session, so it cannot be a pooled one). A lost connection is made again after a pause, followed by one
   * call, since changes in between went unheard. Returns the stop.
   */
  listen(onChange: () => void): () => void {
    let stopped = false;
    let listener: pg.Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    const drop = () => {
      void listener?.end().catch(() => undefined);
      listener = undefined;
    };
    const again = () => {
      drop();
      if (stopped || retry) return;
      retry = setTimeout(() => {
        retry = undefined;
        void connect(true);
      }, 2_000);
      retry.unref();
    };
    const connect = async (reconnected: boolean) => {
      try {
        await this.#prepared();
        const client = new pg.Client({
          connectionString: this.#url.connectionString,
          application_name: 'llm-service watch',
          types,
        });
        client.on('error', again);
        client.on('end', again);
        client.on('notification', () => onChange());
        listener = client;
        await client.connect();
        await client.query(`LISTEN ${changeChannel}`);
        if (stopped) drop();
        else if (reconnected) onChange();
      } catch {
        again();
      }
    };
    void connect(false);
    const stop = () => {
      stopped = true;
      clearTimeout(retry);
      drop();
      this.#watches.delete(stop);
    };
    this.#watches.add(stop);
    return stop;
  }

  async close(): Promise<void> {
    for (const stop of [...this.#watches]) stop();
    const pool = this.#pool;
    this.#pool = undefined;
    this.#ready = undefined;
    if (pool) await pool.end();
  }

  /** A failure as the contract wants it: a connection failure names the database and how to check it. */
  describe(error: unknown, doing: string): Error {
    if (error instanceof PostgresStoreError) return error;
    const reason = error instanceof Error ? error.message : String(error);
    if (isConnectionFailure(error)) {
      return new PostgresStoreError(
        PostgresStoreErrorCode.connect,
        `cannot reach the telemetry database ${this.location} (${doing}): ${reason}`,
        {
          cause: error,
          hint: `check it with: pg_isready -h ${this.#url.host} -p ${this.#url.port} -d ${this.#url.database}; and the user and password of telemetry.url`,
        },
      );
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (code === '42501') {
      return new PostgresStoreError(
        PostgresStoreErrorCode.forbidden,
        `the telemetry database ${this.location} refused ${doing}: ${reason}`,
        {
          cause: error,
          hint: `the database role may not act for project '${this.project}'; see @llm-service/store-postgres's README, "A role per project"`,
        },
      );
    }
    return new PostgresStoreError(
      PostgresStoreErrorCode.query,
      `the telemetry database ${this.location} failed ${doing}: ${reason}`,
      { cause: error },
    );
  }

  #poolNow(): pg.Pool {
    if (this.#pool) return this.#pool;
    const pool = new pg.Pool({
      connectionString: this.#url.connectionString,
      max: this.#max,
      // Idle clients never keep a CLI process alive, and a long-lived dashboard does not hold connections it left.
      allowExitOnIdle: true,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 10_000,
      // A server that stops answering mid-query (a network partition sends no reset) would otherwise hold `exec` at
      // its end for minutes: the query fails instead, and telemetry spools what it was writing.
      query_timeout: 30_000,
      keepAlive: true,
      application_name: 'llm-service',
      types,
    });
    // An idle client whose server went away emits here; without a listener that would end the process. The next
    // query gets its own error, which is what reaches the caller.
    pool.on('error', () => undefined);
    this.#pool = pool;
    return pool;
  }

  async #withRawClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#poolNow().connect();
    let broken = false;
    // pg-pool listens for a client's errors only while it is idle: a server lost while the client is checked out
    // would otherwise end the process with an unhandled 'error' event. The query in flight rejects with its own
    // error, which is what reaches the caller (and telemetry's spool).
    const ignore = () => undefined;
    client.on('error', ignore);
    try {
      if (!this.#configured.has(client)) {
        await client.query("SELECT set_config('llm_service.project', $1, false)", [this.project]);
        this.#configured.add(client);
      }
      return await work(client);
    } catch (error) {
      broken = isConnectionFailure(error);
      throw error;
    } finally {
      client.off('error', ignore);
      client.release(broken);
    }
  }

  #prepared(): Promise<number> {
    this.#ready ??= this.#withRawClient(async (client) => {
      const version = await migrate(client, this.location);
      const allowed = await client.query<{ allowed: boolean }>(
        `SELECT ${schemaName}.is_admin(current_user) OR ${schemaName}.may_act_for(current_user, $1) AS allowed`,
        [this.project],
      );
      if (allowed.rows[0]?.allowed !== true) {
        const role = await client.query<{ role: string }>('SELECT current_user AS role');
        throw new PostgresStoreError(
          PostgresStoreErrorCode.forbidden,
          `the role ${role.rows[0]?.role ?? '?'} may not act for project '${this.project}' in the telemetry database ${this.location}`,
          {
            hint: `the database's owner lists it: INSERT INTO ${schemaName}.project_roles (role_name, project) VALUES ('${role.rows[0]?.role ?? 'ROLE'}', '${this.project}')`,
          },
        );
      }
      return version;
    }).catch((error: unknown) => {
      // Not remembered: a server that was down may be up on the next call.
      this.#ready = undefined;
      throw this.describe(error, 'opening it');
    });
    return this.#ready;
  }
}
