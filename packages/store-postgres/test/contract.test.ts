import { telemetryStoreContract } from '@llm-service/testkit';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { PostgresTelemetryStore } from '../src/index.js';
import { postgresSkipReason, usePostgres } from './support/server.js';

const skipReason = await postgresSkipReason();

describe.skipIf(skipReason !== undefined)(`the PostgreSQL store ${skipReason ?? ''}`, () => {
  const postgres = usePostgres();
  telemetryStoreContract(
    'postgres',
    async () => {
      const url = await postgres.database();
      const store = new PostgresTelemetryStore({ url, project: 'alpha' });
      return {
        store,
        openAnother: async () => new PostgresTelemetryStore({ url, project: 'alpha' }),
        cleanup: () => store.close(),
      };
    },
    { describe, it, beforeEach, afterEach },
  );
});
