import { newPromptHashSecret } from '../privacy/prompt-hash.js';
import type { Database } from './driver.js';

/** One step of the schema; applied in order, all pending steps in one IMMEDIATE transaction. */
export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

/** The `meta` key holding the per-database secret of keyed prompt hashes. */
export const promptHashSecretKey = 'prompt_hash_secret';

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'invocations, their optional captured content, and the database secret',
    up(db) {
      db.exec(`
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE invocations (
          id                     INTEGER PRIMARY KEY,
          invocation_id          TEXT    NOT NULL,
          chain_id               TEXT    NOT NULL,
          attempt                INTEGER NOT NULL,
          started_at             TEXT    NOT NULL,
          finished_at            TEXT,
          agent                  TEXT    NOT NULL,
          task_type              TEXT,
          tool                   TEXT    NOT NULL,
          model                  TEXT    NOT NULL,
          reason                 TEXT    NOT NULL,
          status                 TEXT    NOT NULL
            CHECK (status IN ('running', 'success', 'failed', 'blocked', 'timeout', 'cancelled')),
          error_kind             TEXT,
          message                TEXT,
          input_tokens           INTEGER NOT NULL DEFAULT 0,
          output_tokens          INTEGER NOT NULL DEFAULT 0,
          cache_read_tokens      INTEGER NOT NULL DEFAULT 0,
          cache_write_tokens     INTEGER NOT NULL DEFAULT 0,
          total_tokens           INTEGER NOT NULL DEFAULT 0,
          cost_usd               REAL,
          cost_source            TEXT CHECK (cost_source IN ('tool', 'computed')),
          computed_cost_usd      REAL,
          price_hash             TEXT,
          baseline_model         TEXT,
          baseline_cost_usd      REAL,
          latency_ms             INTEGER,
          exit_code              INTEGER,
          session_id             TEXT,
          turns                  INTEGER,
          prompt_sha256          TEXT,
          prompt_tokens_estimate INTEGER,
          force_reason           TEXT,
          pid                    INTEGER
        );
        -- Time windows of stats and the dashboard; covers the latency of a window's successful attempts.
        CREATE INDEX invocations_started_at ON invocations (started_at, status, latency_ms);
        -- Tool-reported costs beside the price table's, for the cost check of stats.
        CREATE INDEX invocations_tool_reported ON invocations (started_at, cost_usd, computed_cost_usd)
          WHERE cost_source = 'tool';
        -- The attempts of one invocation; completing a row another process started.
        CREATE INDEX invocations_invocation_id ON invocations (invocation_id, attempt);
        -- stats --chain-id and chain budgets.
        CREATE INDEX invocations_chain_id ON invocations (chain_id, started_at);
        -- Running (and abandoned) work, which is always a handful of rows.
        CREATE INDEX invocations_running ON invocations (started_at) WHERE status = 'running';

        -- Answers, only when telemetry.capture_content is true; apart so scans of invocations stay small.
        CREATE TABLE invocation_content (
          invocation_row INTEGER PRIMARY KEY REFERENCES invocations (id) ON DELETE CASCADE,
          answer         TEXT
        );
      `);
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(
        promptHashSecretKey,
        newPromptHashSecret(),
      );
    },
  },
  {
    version: 2,
    description: 'spend ledger: reservations, and indexes for spend by scope and period',
    up(db) {
      db.exec(`
        -- Spend by scope and period.
        CREATE INDEX invocations_agent_spend ON invocations (agent, started_at);
        CREATE INDEX invocations_tool_spend  ON invocations (tool, started_at);
        CREATE INDEX invocations_model_spend ON invocations (model, started_at);

        CREATE TABLE reservations (
          id           TEXT    PRIMARY KEY,
          estimate_usd REAL    NOT NULL,
          pid          INTEGER NOT NULL,
          created_at   TEXT    NOT NULL,
          expires_at   TEXT    NOT NULL,
          status       TEXT    NOT NULL CHECK (status IN ('held', 'settled', 'released', 'expired')),
          actual_usd   REAL,
          closed_at    TEXT
        ) WITHOUT ROWID;
        CREATE INDEX reservations_held ON reservations (status) WHERE status = 'held';

        CREATE TABLE reservation_scopes (
          scope          TEXT NOT NULL,
          reservation_id TEXT NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
          PRIMARY KEY (scope, reservation_id)
        ) WITHOUT ROWID;
        CREATE INDEX reservation_scopes_reservation ON reservation_scopes (reservation_id);
      `);
    },
  },
  {
    version: 3,
    description: 'reservations: who holds them (host, PID namespace, process start time) and a renewed lease',
    up(db) {
      // Nullable: reservations written before this version have none of these, and are judged by pid alone.
      db.exec(`
        ALTER TABLE reservations ADD COLUMN host TEXT;
        ALTER TABLE reservations ADD COLUMN pid_namespace TEXT;
        ALTER TABLE reservations ADD COLUMN pid_start TEXT;
        ALTER TABLE reservations ADD COLUMN lease_until TEXT;
      `);
    },
  },
  {
    version: 4,
    description: "invocations: cost source 'estimated', for a cost the tool reported that cannot be true",
    up(db) {
      rebuildInvocations(
        db,
        "CHECK (cost_source IN ('tool', 'computed'))",
        "CHECK (cost_source IN ('tool', 'computed', 'estimated'))",
      );
    },
  },
  {
    version: 5,
    description:
      "invocations: the request's project, and cost source 'unknown' for a tool that reports no usage",
    up(db) {
      rebuildInvocations(
        db,
        "CHECK (cost_source IN ('tool', 'computed', 'estimated'))",
        "CHECK (cost_source IN ('tool', 'computed', 'estimated', 'unknown'))",
      );
      // Rows recorded before projects existed belong to `default`, the project of a config without one.
      db.exec(`
        ALTER TABLE invocations ADD COLUMN project TEXT NOT NULL DEFAULT 'default';
        -- Stats, budgets and the dashboard read the current project's window.
        CREATE INDEX invocations_project ON invocations (project, started_at);
      `);
    },
  },
  {
    version: 6,
    description: 'invocations: the task a request worked on',
    up(db) {
      db.exec(`
        ALTER TABLE invocations ADD COLUMN task_id TEXT;
        -- A task's cost and attempts, for the runner's result and stats --task.
        CREATE INDEX invocations_task ON invocations (task_id, started_at) WHERE task_id IS NOT NULL;
      `);
    },
  },
  {
    version: 7,
    description:
      'plan limits: how each attempt and reservation is paid for, plan window observations and tool holds',
    up(db) {
      // Rows recorded before billing existed were all counted against dollar budgets, as `api` attempts are.
      db.exec(`
        ALTER TABLE invocations ADD COLUMN billing TEXT NOT NULL DEFAULT 'api'
          CHECK (billing IN ('api', 'subscription'));
        ALTER TABLE reservations ADD COLUMN billing TEXT NOT NULL DEFAULT 'api'
          CHECK (billing IN ('api', 'subscription'));

        -- What programs said about their plans' windows, one row a reading, kept for charts.
        CREATE TABLE plan_window_observations (
          id          INTEGER PRIMARY KEY,
          tool        TEXT NOT NULL,
          account     TEXT,
          window      TEXT NOT NULL,
          status      TEXT NOT NULL CHECK (status IN ('allowed', 'warning', 'rejected')),
          utilization REAL CHECK (utilization IS NULL OR (utilization >= 0 AND utilization <= 1)),
          resets_at   TEXT,
          observed_at TEXT NOT NULL
        );
        -- A window's history, for charts.
        CREATE INDEX plan_window_observations_window ON plan_window_observations (tool, window, observed_at);
        -- History across tools since a time, and pruning.
        CREATE INDEX plan_window_observations_observed ON plan_window_observations (observed_at);

        -- The latest reading of each tool's each window, kept up to date by every write: it is read before every
        -- candidate runs, and finding it among the readings costs a scan of the tool's history (measured: 7 ms at
        -- 100,000 readings) where this costs a lookup. A pruned reading takes its entry with it.
        CREATE TABLE plan_window_latest (
          tool           TEXT    NOT NULL,
          window         TEXT    NOT NULL,
          observation_id INTEGER NOT NULL REFERENCES plan_window_observations (id) ON DELETE CASCADE,
          observed_at    TEXT    NOT NULL,
          PRIMARY KEY (tool, window)
        ) WITHOUT ROWID;
        CREATE INDEX plan_window_latest_observation ON plan_window_latest (observation_id);

        -- One hold a tool: the one ending last, which a later hold can lengthen but never shorten.
        CREATE TABLE tool_holds (
          tool   TEXT PRIMARY KEY,
          until  TEXT NOT NULL,
          reason TEXT NOT NULL,
          window TEXT
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 8,
    description:
      'invocations: one row an attempt, so a write replayed from a spool or another store is harmless',
    up(db) {
      db.exec(`
        -- Rows of one attempt written twice (only ever by a fault) keep the latest.
        DELETE FROM invocations WHERE id NOT IN (
          SELECT MAX(id) FROM invocations GROUP BY invocation_id, attempt);
        DROP INDEX invocations_invocation_id;
        CREATE UNIQUE INDEX invocations_attempt ON invocations (invocation_id, attempt);
      `);
    },
  },
];

export const latestSchemaVersion = migrations[migrations.length - 1]!.version;

/**
 * Changes a CHECK constraint of `invocations`. SQLite cannot change one in place; its documented way is to rebuild the
 * table: create it anew, copy, drop the old one, rename, and recreate the indexes. The definitions are read from the
 * schema itself, so the copy has exactly the columns and indexes the old table had.
 */
function rebuildInvocations(db: Database, from: string, to: string): void {
  const definitionOf = (name: string): string =>
    (
      db.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`).get(name) as {
        sql: string;
      }
    ).sql;
  const invocations = definitionOf('invocations');
  // A table renamed by an earlier rebuild has its name quoted in the schema.
  const head = /^CREATE TABLE "?invocations"? /;
  if (!invocations.includes(from) || !head.test(invocations))
    throw new Error(`the invocations table has no ${from} to change`);
  const rebuilt = invocations.replace(from, to).replace(head, 'CREATE TABLE invocations_rebuilt ');
  const indexes = db
    .prepare(
      `SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'invocations' AND sql IS NOT NULL`,
    )
    .pluck()
    .all() as string[];
  // Captured answers reference invocations ON DELETE CASCADE: dropping the old table would delete them, so they are
  // set aside and their table made anew (foreign keys cannot be turned off inside the migration's transaction).
  const content = definitionOf('invocation_content');
  db.exec(`
    ${rebuilt};
    INSERT INTO invocations_rebuilt SELECT * FROM invocations;
    CREATE TEMP TABLE invocation_content_aside AS SELECT * FROM invocation_content;
    DROP TABLE invocation_content;
    DROP TABLE invocations;
    ALTER TABLE invocations_rebuilt RENAME TO invocations;
    ${content};
    INSERT INTO invocation_content SELECT * FROM temp.invocation_content_aside;
    DROP TABLE temp.invocation_content_aside;
  `);
  for (const index of indexes) db.exec(index);
}
