import type { ClientBase } from 'pg';
import { PostgresStoreError, PostgresStoreErrorCode } from '../errors.js';
import { latestSchemaVersion, migrations, schemaName } from './migrations.js';

/**
 * The session lock every machine takes before changing the schema: the first to start migrates, the others wait for
 * it and then find nothing left to do. A constant, so every release of the store takes the same one.
 */
export const migrationLockKey = 0x6c6c6d737663; // "llmsvc" in ASCII: below 2^53, exact as a JS number

/** The schema's version, 0 for a database without our tables. */
export async function schemaVersion(client: ClientBase): Promise<number> {
  const table = await client.query<{ present: boolean }>(
    `SELECT to_regclass('${schemaName}.schema_version') IS NOT NULL AS present`,
  );
  if (table.rows[0]?.present !== true) return 0;
  const row = await client.query<{ version: number }>(`SELECT version FROM ${schemaName}.schema_version`);
  return row.rows[0]?.version ?? 0;
}

function refuseNewer(version: number, location: string): never {
  throw new PostgresStoreError(
    PostgresStoreErrorCode.newerSchema,
    `the telemetry database ${location} has schema version ${version}, newer than this llm-service knows ` +
      `(${latestSchemaVersion}): upgrade llm-service, or point telemetry.url at another database`,
    { hint: 'a newer llm-service migrated this database; older ones refuse it rather than misread it' },
  );
}

/**
 * Brings the schema to the latest version. A database already there is only read (so a role without CREATE rights
 * can open it); otherwise under the migration lock, each pending version in its own transaction with its row in
 * `schema_version`. Returns the version.
 */
export async function migrate(client: ClientBase, location: string): Promise<number> {
  const seen = await schemaVersion(client);
  if (seen > latestSchemaVersion) refuseNewer(seen, location);
  if (seen === latestSchemaVersion) return seen;
  try {
    return await migrateLocked(client, location);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== '42501') throw error;
    throw new PostgresStoreError(
      PostgresStoreErrorCode.forbidden,
      `the telemetry database ${location} is at schema version ${seen} and this role may not bring it to ` +
        `${latestSchemaVersion}: run llm-service once as the database's owner`,
      { cause: error, hint: 'the owner migrates; project roles only read and write rows (see the README)' },
    );
  }
}

async function migrateLocked(client: ClientBase, location: string): Promise<number> {
  await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schemaName}`);
    // One row, whatever happens: a boolean key that can only be true.
    await client.query(`CREATE TABLE IF NOT EXISTS ${schemaName}.schema_version (
      singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      version    integer NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    let version = await schemaVersion(client);
    if (version > latestSchemaVersion) refuseNewer(version, location);
    for (const migration of migrations) {
      if (migration.version <= version) continue;
      await client.query('BEGIN');
      try {
        for (const statement of migration.statements) {
          if (typeof statement === 'string') await client.query(statement);
          else await client.query(statement());
        }
        await client.query(
          `INSERT INTO ${schemaName}.schema_version (singleton, version) VALUES (true, $1)
           ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, updated_at = now()`,
          [migration.version],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      version = migration.version;
    }
    return version;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [migrationLockKey]);
  }
}
