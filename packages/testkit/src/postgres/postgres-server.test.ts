import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postgresSkipReason,
  requirePostgresInCi,
  startPostgres,
  type PostgresServer,
} from './postgres-server.js';

const skipReason = await postgresSkipReason();

describe('requirePostgresInCi', () => {
  it('fails under CI=true when PostgreSQL is missing, and lets a skip through elsewhere', () => {
    const missing = { available: false, reason: 'no initdb' };
    expect(() => requirePostgresInCi(missing, { CI: 'true' })).toThrow(/required under CI=true: no initdb/);
    expect(() => requirePostgresInCi(missing, {})).not.toThrow();
  });
});

describe.skipIf(skipReason !== undefined)(`a real PostgreSQL server ${skipReason ?? ''}`, () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('listens on 127.0.0.1 only and takes SQL', async () => {
    expect(server.url).toMatch(/^postgresql:\/\/postgres:[0-9a-f]+@127\.0\.0\.1:\d+\/postgres$/);
    expect((await server.sql("SELECT current_setting('listen_addresses')")).trim()).toBe('127.0.0.1');
  });

  it('creates databases, and comes back after an immediate stop', async () => {
    const url = await server.createDatabase('harness_check');
    expect(url).toContain('/harness_check');
    await server.stop();
    await expect(server.sql('SELECT 1')).rejects.toThrow();
    await server.start();
    expect((await server.sql('SELECT 1', 'harness_check')).trim()).toBe('1');
  });
});
