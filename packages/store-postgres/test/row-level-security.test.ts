import { attemptRowForTests } from '@llm-service/testkit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresStoreErrorCode } from '../src/index.js';
import { ownerSetupSql, projectRoleSql, usersGroupSql } from './support/roles.js';
import { postgresSkipReason, usePostgres } from './support/server.js';

const skipReason = await postgresSkipReason();

const end = (invocationId: string, project: string) => ({
  kind: 'end' as const,
  row: attemptRowForTests({ invocationId, project, costUsd: 1 }),
});

describe.skipIf(skipReason !== undefined)(`row-level security by project ${skipReason ?? ''}`, () => {
  const postgres = usePostgres();

  it("keeps a project's role to its project's rows, whatever it sets itself", async () => {
    const { server } = postgres;
    const database = new URL(await postgres.database()).pathname.slice(1);
    // Roles are cluster-wide: names of this database's own.
    const owner = `${database}_owner`;
    const [roleA, roleB] = [`${database}_a`, `${database}_b`];
    await server.sql(ownerSetupSql(database, owner, 'owner-pw'));
    const admin = postgres.open(server.urlFor(database, owner, 'owner-pw'), 'admin');
    await admin.schema(); // The owner's first run creates the schema.
    await server.sql(usersGroupSql(database).replaceAll('llm_service_users', `${database}_users`), database);
    for (const [role, project] of [
      [roleA, 'A'],
      [roleB, 'B'],
    ] as const) {
      await server.sql(
        projectRoleSql(role, `${role}-pw`, project).replaceAll('llm_service_users', `${database}_users`),
        database,
      );
    }
    const storeA = postgres.open(server.urlFor(database, roleA, `${roleA}-pw`), 'A');
    const storeB = postgres.open(server.urlFor(database, roleB, `${roleB}-pw`), 'B');

    await storeA.write([end('a-1', 'A')]);
    await storeB.write([end('b-1', 'B')]);
    // Writing another project's row is refused, and with it the whole batch.
    await expect(storeA.write([end('a-2', 'A'), end('b-2', 'B')])).rejects.toMatchObject({
      code: PostgresStoreErrorCode.forbidden,
    });
    expect((await storeA.invocations({})).map((row) => row.invocationId)).toEqual(['a-1']);
    expect(await storeA.invocations({ project: 'B' })).toEqual([]);
    expect(
      await storeA.spent({
        scope: 'global',
        start: new Date(0),
        end: new Date('2100-01-01'),
        billings: ['api'],
      }),
    ).toBe(1);
    expect(await admin.count()).toBe(2);

    // Project A's reservation is invisible to B.
    const now = new Date('2026-03-01T12:00:00.000Z');
    await storeA.reserve({
      id: 'a-reservation',
      scopes: ['project:A'],
      estimateUsd: 1,
      billing: 'api',
      holder: { pid: 1, host: 'a' },
      now,
      expiresAt: new Date(now.getTime() + 60_000),
      leaseUntil: new Date(now.getTime() + 60_000),
      checks: [],
      isExpired: () => false,
    });
    expect(await storeB.heldReservations(() => true, now)).toEqual([]);
    expect(await admin.heldReservations(() => false, now)).toHaveLength(1);

    // The role for A claiming B, by the store or by hand, gains nothing.
    await expect(
      postgres.open(server.urlFor(database, roleA, `${roleA}-pw`), 'B').count(),
    ).rejects.toMatchObject({
      code: PostgresStoreErrorCode.forbidden,
    });
    const client = new pg.Client({ connectionString: server.urlFor(database, roleA, `${roleA}-pw`) });
    await client.connect();
    try {
      await client.query("SELECT set_config('llm_service.project', 'B', false)");
      const seen = await client.query<{ n: string }>('SELECT count(*) AS n FROM llm_service.invocations');
      expect(seen.rows[0]?.n).toBe('0');
      await expect(
        client.query("UPDATE llm_service.invocations SET cost_usd = 0 WHERE project = 'B' RETURNING id"),
      ).resolves.toMatchObject({ rowCount: 0 });
      await expect(
        client.query(
          `INSERT INTO llm_service.invocations (invocation_id, chain_id, attempt, started_at, project, agent, tool, model,
             reason, status) VALUES ('x', 'c', 1, now(), 'B', 'a', 't', 'm', 'r', 'success')`,
        ),
      ).rejects.toMatchObject({ code: '42501' });
      await expect(client.query('SELECT * FROM llm_service.project_roles')).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await client.end();
    }
  });
});
