import { copyFileSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rows, TemporaryStores } from '../testing/temporary-store.js';
import { latestSchemaVersion, migrations } from './migrations.js';
import { MissingDatabaseError, TelemetryStore, userVersion } from './store.js';

const temporary = new TemporaryStores();
afterEach(() => temporary.cleanup());

describe('the telemetry store', () => {
  it('creates the database, and its directory, readable by its owner only, in WAL mode', () => {
    const dir = temporary.dir();
    const path = join(dir, 'nested', 'deeper', 'telemetry.db');
    const store = temporary.track(new TelemetryStore({ path }));
    const db = store.open();
    db.prepare("INSERT INTO meta (key, value) VALUES ('probe', 'x')").run();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested', 'deeper')).mode & 0o777).toBe(0o700);
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(userVersion(db)).toBe(latestSchemaVersion);
  });

  it('leaves its log to the next writer when the process exits after closing, which merges it on opening', () => {
    const store = temporary.store();
    store.open().prepare("INSERT INTO meta (key, value) VALUES ('probe', 'left in the log')").run();
    store.close({ processExits: true });
    // Not merged: the database file alone (as a copy of it alone would be) lacks the row the log holds.
    expect(probeIn(fileAlone(store.path))).toBeUndefined();
    expect(statSync(`${store.path}-wal`).size).toBeGreaterThan(0);

    // What was committed is read as part of the database, and the next writer merges it when it opens.
    const next = temporary.track(new TelemetryStore({ path: store.path }));
    next.open();
    expect(probeIn(fileAlone(store.path))).toBe('left in the log');
  });

  it('merges its log when it closes otherwise, as SQLite does for its last connection', () => {
    const store = temporary.store();
    store.open().prepare("INSERT INTO meta (key, value) VALUES ('probe', 'merged')").run();
    store.close();
    expect(existsSync(`${store.path}-wal`)).toBe(false);
    expect(probeIn(fileAlone(store.path))).toBe('merged');
  });

  it('keeps one secret per database across openings', () => {
    const store = temporary.store();
    const first = store.promptHasher().hash('c'.repeat(64));
    store.close();
    const again = temporary.track(new TelemetryStore({ path: store.path }));
    expect(again.promptHasher().hash('c'.repeat(64))).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
  });

  it('upgrades a database an older release made, keeping its rows', async () => {
    const old = temporary.store({ migrations: migrations.slice(0, 1) });
    // Written as that release wrote it: today's sink writes columns the old schema lacks.
    insertOldRow(old.open(), 't');
    expect(userVersion(old.open())).toBe(1);
    expect(
      old.open().prepare("SELECT name FROM sqlite_master WHERE name = 'reservations'").get(),
    ).toBeUndefined();
    old.close();

    const upgraded = temporary.track(new TelemetryStore({ path: old.path }));
    const db = upgraded.open();
    expect(userVersion(db)).toBe(latestSchemaVersion);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'reservations'").get()).toEqual({
      name: 'reservations',
    });
    expect(rows(upgraded)).toMatchObject([{ status: 'success', tool: 't' }]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it("widens the cost sources to 'estimated' and 'unknown' and adds projects and tasks, keeping every row, captured answer and index", async () => {
    const old = temporary.store({ migrations: migrations.slice(0, 3) });
    for (const tool of ['t', 'u']) {
      const id = insertOldRow(old.open(), tool);
      old
        .open()
        .prepare('INSERT INTO invocation_content (invocation_row, answer) VALUES (?, ?)')
        .run(id, `answer of ${tool}`);
    }
    const before = old.open();
    const schema = (db: typeof before) =>
      db
        .prepare(`SELECT type, name FROM sqlite_schema WHERE tbl_name LIKE 'invocation%' ORDER BY name`)
        .all();
    const indexesBefore = schema(before);
    expect(indexesBefore).toContainEqual({ type: 'index', name: 'invocations_invocation_id' });
    const rowsBefore = before.prepare('SELECT * FROM invocations ORDER BY id').all();
    const answersBefore = before.prepare('SELECT * FROM invocation_content ORDER BY invocation_row').all();
    expect(answersBefore).toHaveLength(2);
    expect(() => before.prepare("UPDATE invocations SET cost_source = 'estimated'").run()).toThrow(
      /CHECK constraint failed/,
    );
    old.close();

    const db = temporary.track(new TelemetryStore({ path: old.path })).open();
    expect(userVersion(db)).toBe(latestSchemaVersion);
    // Rows from before projects belong to the default project.
    expect(db.prepare('SELECT * FROM invocations ORDER BY id').all()).toEqual(
      rowsBefore.map((row) => ({ ...(row as object), project: 'default', task_id: null, billing: 'api' })),
    );
    expect(db.prepare('SELECT * FROM invocation_content ORDER BY invocation_row').all()).toEqual(
      answersBefore,
    );
    // Migration 8 replaced the plain index of invocation ids with a unique one of (invocation id, attempt).
    expect(schema(db)).toEqual(
      [
        ...indexesBefore.filter((entry) => (entry as { name: string }).name !== 'invocations_invocation_id'),
        { type: 'index', name: 'invocations_attempt' },
        { type: 'index', name: 'invocations_project' },
        { type: 'index', name: 'invocations_task' },
      ].sort((a, b) => (a as { name: string }).name.localeCompare((b as { name: string }).name)),
    );
    db.prepare("UPDATE invocations SET cost_source = 'estimated'").run();
    db.prepare("UPDATE invocations SET cost_source = 'unknown'").run();
    expect(() => db.prepare("UPDATE invocations SET cost_source = 'guessed'").run()).toThrow(
      /CHECK constraint failed/,
    );
    // The captured answers still belong to their rows: deleting a row deletes its answer.
    db.prepare('DELETE FROM invocations WHERE id = (SELECT MIN(id) FROM invocations)').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM invocation_content').get()).toEqual({ n: 1 });
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('adds billing, read as api for every earlier attempt and reservation, and the plan window tables', async () => {
    const old = temporary.store({ migrations: migrations.filter((migration) => migration.version <= 6) });
    insertOldRow(old.open(), 't');
    old
      .open()
      .prepare(
        `INSERT INTO reservations (id, estimate_usd, pid, created_at, expires_at, status)
         VALUES ('r1', 1, 1, '2026-11-03T10:00:00.000Z', '2026-11-03T12:00:00.000Z', 'held')`,
      )
      .run();
    expect(userVersion(old.open())).toBe(6);
    old.close();

    const db = temporary.track(new TelemetryStore({ path: old.path })).open();
    expect(userVersion(db)).toBe(latestSchemaVersion);
    expect(db.prepare('SELECT tool, billing FROM invocations').all()).toEqual([
      { tool: 't', billing: 'api' },
    ]);
    expect(db.prepare('SELECT id, billing FROM reservations').all()).toEqual([{ id: 'r1', billing: 'api' }]);
    expect(() => db.prepare("UPDATE invocations SET billing = 'prepaid'").run()).toThrow(
      /CHECK constraint failed/,
    );
    expect(
      db
        .prepare(
          `SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('plan_window_observations',
             'plan_window_latest', 'tool_holds') ORDER BY name`,
        )
        .pluck()
        .all(),
    ).toEqual(['plan_window_latest', 'plan_window_observations', 'tool_holds']);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('keeps one row an attempt: the latest of rows a fault wrote twice, and refuses a second one after', () => {
    const old = temporary.store({ migrations: migrations.filter((migration) => migration.version <= 7) });
    insertOldRow(old.open(), 't');
    const latest = insertOldRow(old.open(), 't');
    old.open().prepare("UPDATE invocations SET status = 'failed' WHERE id = ?").run(latest);
    insertOldRow(old.open(), 'u');
    expect(userVersion(old.open())).toBe(7);
    old.close();

    const db = temporary.track(new TelemetryStore({ path: old.path })).open();
    expect(userVersion(db)).toBe(latestSchemaVersion);
    expect(db.prepare('SELECT id, invocation_id, status FROM invocations ORDER BY id').all()).toEqual([
      { id: latest, invocation_id: 'inv-t', status: 'failed' },
      { id: 3, invocation_id: 'inv-u', status: 'success' },
    ]);
    expect(() => insertOldRow(db, 'u')).toThrow(/UNIQUE constraint failed/);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('refuses a database a newer release made, with a clear message', () => {
    const store = temporary.store();
    store.open().pragma(`user_version = ${latestSchemaVersion + 1}`);
    store.close();
    const newer = temporary.track(new TelemetryStore({ path: store.path }));
    expect(() => newer.open()).toThrow(
      expect.objectContaining({
        code: 'E_TELEMETRY_NEWER_SCHEMA',
        message: `the telemetry database ${store.path} has schema version ${latestSchemaVersion + 1}, newer than this llm-service understands (${latestSchemaVersion})`,
        hint: expect.stringContaining('upgrade llm-service'),
      }),
    );
  });

  it('does not create a database for a reader', () => {
    const path = join(temporary.dir(), 'absent.db');
    const reader = temporary.track(new TelemetryStore({ path, create: false }));
    expect(() => reader.open()).toThrow(MissingDatabaseError);
    expect(existsSync(path)).toBe(false);
  });

  it('reports a file that is not a database as damaged, to be moved aside', () => {
    const path = join(temporary.dir(), 'telemetry.db');
    writeFileSync(path, 'this is not sqlite, just text that is long enough to have a header'.repeat(20));
    expect(() => temporary.track(new TelemetryStore({ path })).open()).toThrow(
      expect.objectContaining({
        code: 'E_TELEMETRY_DAMAGED',
        message: `the telemetry database at ${path} is damaged; move it aside`,
      }),
    );
  });
});

/** A finished row with only the columns of the first schema, as an older release wrote it; returns its id. */
function insertOldRow(db: ReturnType<TelemetryStore['open']>, tool: string): number | bigint {
  return db
    .prepare(
      `INSERT INTO invocations (invocation_id, chain_id, attempt, started_at, finished_at, agent, tool, model, reason,
         status, cost_usd, cost_source, latency_ms)
       VALUES (?, 'chain', 1, '2026-11-03T10:00:00.000Z', '2026-11-03T10:00:01.000Z', 'architect', ?, 'm', 'preferred',
         'success', 0.5, 'computed', 1000)`,
    )
    .run(`inv-${tool}`, tool).lastInsertRowid;
}

/** A copy of the database file without its log, as a copy of the file alone would be. */
function fileAlone(path: string): string {
  const copy = `${path}.alone`;
  copyFileSync(path, copy);
  rmSync(`${copy}-wal`, { force: true });
  rmSync(`${copy}-shm`, { force: true });
  return copy;
}

function probeIn(path: string): string | undefined {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT value FROM meta WHERE key = 'probe'").get() as { value: string } | undefined)
      ?.value;
  } finally {
    db.close();
  }
}
