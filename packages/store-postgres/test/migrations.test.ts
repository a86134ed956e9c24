import { describe, expect, it } from 'vitest';
import { PostgresStoreErrorCode, PostgresTelemetryStore, postgresSchemaVersion } from '../src/index.js';
import { postgresSkipReason, usePostgres } from './support/server.js';

const skipReason = await postgresSkipReason();

describe.skipIf(skipReason !== undefined)(`migrations and connections ${skipReason ?? ''}`, () => {
  const postgres = usePostgres();

  it('migrates a fresh database once under three concurrent opens', async () => {
    const url = await postgres.database();
    const stores = [postgres.open(url), postgres.open(url), postgres.open(url)];
    const schemas = await Promise.all(stores.map((store) => store.schema()));
    expect(schemas).toEqual(Array(3).fill({ version: postgresSchemaVersion, latest: postgresSchemaVersion }));
    const database = new URL(url).pathname.slice(1);
    expect(
      (
        await postgres.server.sql('SELECT count(*), max(version) FROM llm_service.schema_version', database)
      ).trim(),
    ).toBe(`1|${postgresSchemaVersion}`);
  });

  it('refuses a database of a newer schema in one line naming it without its password', async () => {
    const url = await postgres.database();
    await postgres.open(url).schema();
    const database = new URL(url).pathname.slice(1);
    await postgres.server.sql('UPDATE llm_service.schema_version SET version = 99', database);
    const error = await postgres
      .open(url)
      .count()
      .then(
        () => undefined,
        (failure: unknown) => failure as Error & { code: string },
      );
    expect(error?.code).toBe(PostgresStoreErrorCode.newerSchema);
    expect(error?.message).toBe(
      `the telemetry database postgresql://postgres@127.0.0.1:${postgres.server.port}/${database} has schema ` +
        `version 99, newer than this llm-service knows (${postgresSchemaVersion}): upgrade llm-service, or point ` +
        'telemetry.url at another database',
    );
    expect(error?.message).not.toContain(postgres.server.password);
  });

  it('connects on first use only, and names an unreachable database and how to check it', async () => {
    const url = `postgresql://someone:s3cret@127.0.0.1:1/telemetry`;
    const store = new PostgresTelemetryStore({ url, project: 'alpha' });
    expect(store.location).toBe('postgresql://someone@127.0.0.1:1/telemetry');
    const error = (await store.count().catch((failure: unknown) => failure)) as Error & {
      code: string;
      hint: string;
    };
    expect(error.code).toBe(PostgresStoreErrorCode.connect);
    expect(error.message).toMatch(
      /^cannot reach the telemetry database postgresql:\/\/someone@127\.0\.0\.1:1\/telemetry /,
    );
    expect(error.message).not.toContain('s3cret');
    expect(error.hint).toContain('pg_isready -h 127.0.0.1 -p 1 -d telemetry');
    await store.close();
  });

  it('fails closed while PostgreSQL is stopped mid-run, and carries on once it is back', async () => {
    const url = await postgres.database();
    const store = postgres.open(url);
    expect(await store.count()).toBe(0);
    await postgres.server.stop();
    try {
      await expect(store.count()).rejects.toMatchObject({ code: PostgresStoreErrorCode.connect });
    } finally {
      await postgres.server.start();
    }
    expect(await store.count()).toBe(0);
  });

  it('rejects a query in flight when the server dies under it, without ending the process', async () => {
    const url = await postgres.database();
    const store = postgres.open(url);
    expect(await store.count()).toBe(0);
    const database = new URL(url).pathname.slice(1);
    // Another session locks the reservations, so the store's query waits in the server on a checked-out connection:
    // pg-pool does not listen to such a connection's errors, and an unhandled one would end this process.
    const locker = postgres.server
      .sql(
        `BEGIN; LOCK TABLE llm_service.reservations IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;`,
        database,
      )
      .catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Its outcome is taken at once: it settles while the server stops, before the assertion below.
    const waiting = store
      .heldReservations(() => false, new Date())
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await postgres.server.stop();
    try {
      expect(await waiting).toMatchObject({ code: PostgresStoreErrorCode.connect });
      await locker;
    } finally {
      await postgres.server.start();
    }
    expect(await store.count()).toBe(0);
  });

  it('keeps the password out of the location, in the URL or its parameters', () => {
    const store = new PostgresTelemetryStore({
      url: 'postgres://team:pw@db.example:6543/llm?password=other&sslmode=require',
      project: 'alpha',
    });
    expect(store.location).toBe('postgres://team@db.example:6543/llm?sslmode=require');
  });
});
