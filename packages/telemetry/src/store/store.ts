import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DisposeOptions } from '@llm-service/spec';
import { PromptHasher } from '../privacy/prompt-hash.js';
import { inUserWords, TelemetryError, TelemetryErrorCode } from '../errors.js';
import { loadDriver, type Database } from './driver.js';
import {
  latestSchemaVersion,
  migrations as allMigrations,
  promptHashSecretKey,
  type Migration,
} from './migrations.js';
import { applyPragmas, defaultBusyTimeoutMs, isBusyError } from './pragmas.js';

export interface StoreOptions {
  path: string;
  /** Create the file (and its directory) when missing; readers such as `stats` pass false. */
  create?: boolean;
  busyTimeoutMs?: number;
  /** For tests: a prefix of the migrations, to build a database as an older release made it. */
  migrations?: readonly Migration[];
}

export function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function newerSchemaError(path: string, found: number, known: number): TelemetryError {
  return new TelemetryError(
    TelemetryErrorCode.newerSchema,
    `the telemetry database ${path} has schema version ${found}, newer than this llm-service understands (${known})`,
    {
      hint: 'upgrade llm-service, or point telemetry.db_path in llm-service.yaml at another file',
    },
  );
}

/**
 * Brings the schema to the latest version. Every pending migration runs in one IMMEDIATE transaction, after the
 * version is read again under the write lock, so processes opening one fresh file at once migrate it exactly once.
 */
export function migrate(db: Database, path: string, migrations: readonly Migration[] = allMigrations): void {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const before = userVersion(db);
  if (before > latestSchemaVersion) throw newerSchemaError(path, before, latestSchemaVersion);
  if (before >= latest) return;
  db.transaction(() => {
    const current = userVersion(db);
    if (current > latestSchemaVersion) throw newerSchemaError(path, current, latestSchemaVersion);
    for (const migration of migrations) if (migration.version > current) migration.up(db);
    if (latest > current) db.pragma(`user_version = ${latest}`);
  }).immediate();
}

/** Thrown by `open()` of a store created with `create: false` when there is no file. */
export class MissingDatabaseError extends Error {
  readonly code = 'E_TELEMETRY_MISSING';
  constructor(readonly path: string) {
    super(`no telemetry database at ${path}`);
  }
}

/** The database's secret, with which prompt hashes are keyed (created by the first migration). */
export function promptSecret(db: Database, path: string): string {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(promptHashSecretKey) as
    { value: string } | undefined;
  if (!row) throw new TelemetryError(TelemetryErrorCode.open, `the telemetry database ${path} has no secret`);
  return row.value;
}

/** One connection to a telemetry database file, opened (created, migrated) on first use: what the SQLite store uses. */
export class TelemetryStore {
  readonly path: string;
  readonly #options: StoreOptions;
  #db: Database | undefined;
  #hasher: PromptHasher | undefined;
  #closed = false;

  constructor(options: StoreOptions) {
    this.path = options.path;
    this.#options = options;
  }

  get isOpen(): boolean {
    return this.#db !== undefined;
  }

  /** Opens (creating and migrating when needed) and returns the connection. */
  open(): Database {
    if (this.#db) return this.#db;
    if (this.#closed)
      throw new TelemetryError(TelemetryErrorCode.open, `the telemetry store ${this.path} is closed`);
    const create = this.#options.create ?? true;
    const path = this.path;
    if (path !== ':memory:') {
      if (!existsSync(path)) {
        if (!create) throw new MissingDatabaseError(path);
        try {
          mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
          // Created here, with the owner-only mode, before SQLite sees it; SQLite gives its -wal and -shm files
          // the database file's mode.
          closeSync(openSync(path, 'a', 0o600));
        } catch (error) {
          throw new TelemetryError(
            TelemetryErrorCode.open,
            `cannot create the telemetry database ${path}: ${(error as Error).message}`,
            { cause: error, hint: 'set telemetry.db_path in llm-service.yaml to a writable location' },
          );
        }
      }
    }
    const driver = loadDriver();
    const busyTimeoutMs = this.#options.busyTimeoutMs ?? defaultBusyTimeoutMs;
    let db: Database | undefined;
    try {
      db = new driver.Database(path, {
        timeout: busyTimeoutMs,
        fileMustExist: path !== ':memory:',
        ...(driver.nativeBinding === undefined ? {} : { nativeBinding: driver.nativeBinding }),
      });
      applyPragmas(db, busyTimeoutMs);
      migrate(db, path, this.#options.migrations);
      if (create) mergeLeftLog(db);
    } catch (error) {
      db?.close();
      if ((error as { code?: unknown }).code === TelemetryErrorCode.newerSchema) throw error;
      // Damage and a full disk are said as the ledger and the query service say them.
      const said = inUserWords(error, path);
      if (said !== error) throw said;
      throw new TelemetryError(
        TelemetryErrorCode.open,
        `cannot open the telemetry database ${path}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.#db = db;
    return db;
  }

  /** Keys a prompt's SHA-256 with this database's secret. */
  promptHasher(): PromptHasher {
    this.#hasher ??= new PromptHasher(promptSecret(this.open(), this.path));
    return this.#hasher;
  }

  /**
   * Ends the connection. SQLite merges the write-ahead log into the database file when its last connection closes, a
   * checkpoint with two fsyncs while the user waits for the command to end. A process that exits right after
   * (`processExits`) leaves the connection to its exit instead: what it committed stays in the log, which SQLite
   * reads as part of the database, and the next writer to open the file merges it (`mergeLeftLog`).
   */
  close(options: DisposeOptions = {}): void {
    this.#closed = true;
    const db = this.#db;
    this.#db = undefined;
    if (!db?.open) return;
    if (options.processExits) leftToExit.push(db);
    else db.close();
  }
}

/** Connections a process that is exiting did not close: held so that no garbage collection closes them first. */
const leftToExit: Database[] = [];

/**
 * Merges into the database file what earlier processes left in the write-ahead log (see `TelemetryStore.close`), as
 * far as it can without waiting for anyone (PASSIVE), so the log stays short and reading it when opening stays cheap.
 */
function mergeLeftLog(db: Database): void {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // Another connection is merging it: that is as good.
    if (!isBusyError(error)) throw error;
  }
}
