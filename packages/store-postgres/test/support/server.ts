import { randomBytes } from 'node:crypto';
import { startPostgres, type PostgresServer } from '@llm-service/testkit';
import { afterAll, beforeAll } from 'vitest';
import { PostgresTelemetryStore } from '../../src/index.js';

export { postgresSkipReason } from '@llm-service/testkit';

export interface Harness {
  readonly server: PostgresServer;
  /** A fresh, empty database's URL (the superuser's). */
  database(): Promise<string>;
  /** A store on `url` for `project` (default alpha), closed in afterAll. */
  open(url: string, project?: string): PostgresTelemetryStore;
}

/** One server for a test file: started in beforeAll, every store closed and the server removed in afterAll. */
export function usePostgres(): Harness {
  let server: PostgresServer | undefined;
  const stores: PostgresTelemetryStore[] = [];
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    for (const store of stores.splice(0)) await store.close().catch(() => undefined);
    await server?.destroy();
  });
  return {
    get server() {
      if (!server) throw new Error('the server starts in beforeAll');
      return server;
    },
    async database() {
      if (!server) throw new Error('the server starts in beforeAll');
      return server.createDatabase(`telemetry_${randomBytes(6).toString('hex')}`);
    },
    open(url, project = 'alpha') {
      const store = new PostgresTelemetryStore({ url, project });
      stores.push(store);
      return store;
    },
  };
}
