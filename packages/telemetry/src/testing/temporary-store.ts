import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TelemetryStore, type StoreOptions } from '../store/store.js';

/** Temporary directories and stores, removed by `cleanup()` (call it in afterEach). */
export class TemporaryStores {
  readonly #dirs: string[] = [];
  readonly #stores: TelemetryStore[] = [];

  dir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'llm-service-telemetry-'));
    this.#dirs.push(dir);
    return dir;
  }

  store(options: Partial<StoreOptions> = {}): TelemetryStore {
    const store = new TelemetryStore({ path: join(this.dir(), 'telemetry.db'), ...options });
    this.#stores.push(store);
    return store;
  }

  track(store: TelemetryStore): TelemetryStore {
    this.#stores.push(store);
    return store;
  }

  cleanup(): void {
    for (const store of this.#stores.splice(0)) store.close();
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

export function rows(store: TelemetryStore): Record<string, unknown>[] {
  return store.forRead().prepare('SELECT * FROM invocations ORDER BY id').all() as Record<string, unknown>[];
}
