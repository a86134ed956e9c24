import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TelemetryStore, type StoreOptions } from '../store/store.js';
import { SqliteTelemetryStore, type SqliteTelemetryStoreOptions } from '../sqlite/sqlite-store.js';

/** Temporary directories and stores, removed by `cleanup()` (call it in afterEach). */
export class TemporaryStores {
  readonly #dirs: string[] = [];
  readonly #stores: TelemetryStore[] = [];

  dir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'llm-service-telemetry-'));
    this.#dirs.push(dir);
    return dir;
  }

  /** A raw connection (the SQLite file as a file) in a fresh directory. */
  store(options: Partial<StoreOptions> = {}): TelemetryStore {
    const store = new TelemetryStore({ path: join(this.dir(), 'telemetry.db'), ...options });
    this.#stores.push(store);
    return store;
  }

  /**
   * The store contract over SQLite: over a fresh file (options as `store()` takes), or over a connection already
   * opened (`store()`'s, or one of the same file).
   */
  sqlite(options: Partial<SqliteTelemetryStoreOptions> | TelemetryStore = {}): SqliteTelemetryStore {
    const connection = options instanceof TelemetryStore ? this.track(options) : undefined;
    const store = connection
      ? new SqliteTelemetryStore(connection)
      : new SqliteTelemetryStore({ path: join(this.dir(), 'telemetry.db'), ...options });
    if (!connection) this.#stores.push(store.connection);
    return store;
  }

  track<T extends TelemetryStore | SqliteTelemetryStore>(store: T): T {
    const connection = store instanceof SqliteTelemetryStore ? store.connection : (store as TelemetryStore);
    if (!this.#stores.includes(connection)) this.#stores.push(connection);
    return store;
  }

  cleanup(): void {
    for (const store of this.#stores.splice(0)) store.close();
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Every row of `invocations`, in the order written, read straight from the file. */
export function rows(store: TelemetryStore | SqliteTelemetryStore): Record<string, unknown>[] {
  const connection = store instanceof SqliteTelemetryStore ? store.connection : store;
  return connection.open().prepare('SELECT * FROM invocations ORDER BY id').all() as Record<
    string,
    unknown
  >[];
}
