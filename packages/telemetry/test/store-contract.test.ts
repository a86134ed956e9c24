import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { telemetryStoreContract } from '@llm-service/testkit';
import { SqliteTelemetryStore } from '../src/sqlite/sqlite-store.js';

// The SQLite store against the same suite as every other store (PostgreSQL's runs it in store-postgres), so the two
// cannot drift: one file, and a second connection to it as another process would open.
telemetryStoreContract(
  'SQLite',
  async () => {
    const directory = mkdtempSync(join(tmpdir(), 'llm-service-store-contract-'));
    const path = join(directory, 'telemetry.db');
    const store = new SqliteTelemetryStore({ path });
    return {
      store,
      openAnother: async () => new SqliteTelemetryStore({ path }),
      cleanup: async () => {
        await store.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  },
  { describe, it, beforeEach, afterEach },
);
