import { randomBytes } from 'node:crypto';

/** One step of the schema, applied in its own transaction under the migration lock. */
export interface Migration {
  version: number;
  description: string;
  /** Statements run in order; a function gets values only known when it runs (the prompt key's secret). */
  statements: readonly (string | (() => { text: string; values: unknown[] }))[];
}

/** Everything lives in one schema, so a database can hold other applications' tables beside ours. */
export const schemaName = 'llm_service';

/** The `meta` key of the secret prompt hashes are keyed with (the same name as the SQLite store's). */
export const promptKeyName = 'prompt_hash_secret';

/** The channel every change is notified on (LISTEN). */
export const changeChannel = 'llm_service_changed';

/**
 * Text columns compare byte by byte (`COLLATE "C"`), as SQLite's do: orders, groups and `exportAttempts` paging then
 * agree between the two stores whatever locale the database was created with, and the indexes serve those orders.
 */
const text = 'text COLLATE "C"';

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'invocations, the spend ledger, plan windows and the prompt key',
    statements: [
      `CREATE TABLE ${schemaName}.meta (key ${text} PRIMARY KEY, value text NOT NULL)`,
      () => ({
        text: `INSERT INTO ${schemaName}.meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
        values: [promptKeyName, randomBytes(32).toString('hex')],
      }),
      // The answer is a column here, not a table of its own as in SQLite: PostgreSQL keeps long values out of line
      // (TOAST), so scans of the other columns stay small without a join.
      `CREATE TABLE ${schemaName}.invocations (
        id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        invocation_id          ${text} NOT NULL,
        chain_id               ${text} NOT NULL,
        attempt                integer NOT NULL CHECK (attempt >= 0),
        started_at             timestamptz NOT NULL,
        finished_at            timestamptz,
        project                ${text} NOT NULL,
        task_id                ${text},
        agent                  ${text} NOT NULL,
        task_type              ${text},
        tool                   ${text} NOT NULL,
        model                  ${text} NOT NULL,
        reason                 ${text} NOT NULL,
        status                 ${text} NOT NULL
          CHECK (status IN ('running', 'success', 'failed', 'blocked', 'timeout', 'cancelled')),
        error_kind             ${text},
        message                text,
        input_tokens           bigint NOT NULL DEFAULT 0,
        output_tokens          bigint NOT NULL DEFAULT 0,
        cache_read_tokens      bigint NOT NULL DEFAULT 0,
        cache_write_tokens     bigint NOT NULL DEFAULT 0,
        cost_usd               double precision,
        cost_source            ${text} CHECK (cost_source IN ('tool', 'computed', 'estimated', 'unknown')),
        computed_cost_usd      double precision,
        price_hash             text,
        baseline_model         ${text},
        baseline_cost_usd      double precision,
        latency_ms             double precision,
        exit_code              integer,
        session_id             text,
        turns                  integer,
        prompt_hash            text,
        prompt_tokens_estimate integer,
        force_reason           text,
        pid                    integer,
        billing                ${text} NOT NULL DEFAULT 'api' CHECK (billing IN ('api', 'subscription')),
        answer                 text,
        -- One row an attempt however often it is written: what makes a replayed spool safe. Also serves the
        -- escalation lookup of savings (the attempts of one invocation).
        CONSTRAINT invocations_attempt UNIQUE (invocation_id, attempt)
      )`,
      // Time windows of stats and the dashboard; covers the latency of a window's successful attempts.
      `CREATE INDEX invocations_started_at ON ${schemaName}.invocations (started_at, status, latency_ms)`,
      // Stats, budgets and the dashboard read the current project's window.
      `CREATE INDEX invocations_project ON ${schemaName}.invocations (project, started_at)`,
      // Spend by scope and period.
      `CREATE INDEX invocations_agent_spend ON ${schemaName}.invocations (agent, started_at)`,
      `CREATE INDEX invocations_tool_spend ON ${schemaName}.invocations (tool, started_at)`,
      `CREATE INDEX invocations_model_spend ON ${schemaName}.invocations (model, started_at)`,
      `CREATE INDEX invocations_task_type_spend ON ${schemaName}.invocations (task_type, started_at)`,
      // stats --chain-id and chain budgets.
      `CREATE INDEX invocations_chain ON ${schemaName}.invocations (chain_id, started_at)`,
      // A task's cost and attempts.
      `CREATE INDEX invocations_task ON ${schemaName}.invocations (task_id, started_at) WHERE task_id IS NOT NULL`,
      // Running (and abandoned) work, always a handful of rows.
      `CREATE INDEX invocations_running ON ${schemaName}.invocations (started_at) WHERE status = 'running'`,
      // Tool-reported costs beside the price table's, for the cost check.
      `CREATE INDEX invocations_tool_reported ON ${schemaName}.invocations (started_at) WHERE cost_source = 'tool'`,

      `CREATE TABLE ${schemaName}.reservations (
        id            ${text} PRIMARY KEY,
        project       ${text} NOT NULL,
        estimate_usd  double precision NOT NULL,
        billing       ${text} NOT NULL CHECK (billing IN ('api', 'subscription')),
        pid           integer NOT NULL,
        host          text,
        pid_namespace text,
        pid_start     text,
        created_at    timestamptz NOT NULL,
        expires_at    timestamptz NOT NULL,
        lease_until   timestamptz,
        status        ${text} NOT NULL CHECK (status IN ('held', 'settled', 'released', 'expired')),
        actual_usd    double precision,
        closed_at     timestamptz
      )`,
      // Every settle leaves a dead entry in reservations_held until a vacuum: with the default thresholds, 16 busy
      // clients left thousands, scanned under the reservation lock, and throughput fell from 158 to 88 cycles a
      // second (bench/postgres.mjs). Vacuumed early, the index stays as small as the reservations held.
      `ALTER TABLE ${schemaName}.reservations
        SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 500)`,
      `CREATE INDEX reservations_held ON ${schemaName}.reservations (created_at) WHERE status = 'held'`,
      `CREATE TABLE ${schemaName}.reservation_scopes (
        scope          ${text} NOT NULL,
        reservation_id ${text} NOT NULL REFERENCES ${schemaName}.reservations (id) ON DELETE CASCADE,
        project        ${text} NOT NULL,
        PRIMARY KEY (scope, reservation_id)
      )`,
      `CREATE INDEX reservation_scopes_reservation ON ${schemaName}.reservation_scopes (reservation_id)`,

      // Plan windows belong to a tool's account, not to a project: every project using the tool shares them.
      `CREATE TABLE ${schemaName}.plan_window_observations (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tool        ${text} NOT NULL,
        account     ${text},
        window_name ${text} NOT NULL,
        status      ${text} NOT NULL CHECK (status IN ('allowed', 'warning', 'rejected')),
        utilization double precision CHECK (utilization IS NULL OR (utilization >= 0 AND utilization <= 1)),
        resets_at   timestamptz,
        observed_at timestamptz NOT NULL
      )`,
      `CREATE INDEX plan_window_observations_window
         ON ${schemaName}.plan_window_observations (tool, window_name, observed_at)`,
      `CREATE INDEX plan_window_observations_observed ON ${schemaName}.plan_window_observations (observed_at)`,
      // The latest reading of each window, kept by every write: read before every candidate runs.
      `CREATE TABLE ${schemaName}.plan_window_latest (
        tool           ${text} NOT NULL,
        window_name    ${text} NOT NULL,
        observation_id bigint NOT NULL REFERENCES ${schemaName}.plan_window_observations (id) ON DELETE CASCADE,
        observed_at    timestamptz NOT NULL,
        PRIMARY KEY (tool, window_name)
      )`,
      `CREATE INDEX plan_window_latest_observation ON ${schemaName}.plan_window_latest (observation_id)`,
      `CREATE TABLE ${schemaName}.tool_holds (
        tool        ${text} PRIMARY KEY,
        until       timestamptz NOT NULL,
        reason      text NOT NULL,
        window_name ${text}
      )`,
    ],
  },
  {
    version: 2,
    description: 'row-level security by project, keyed on the database role',
    statements: [
      // Which roles act for which projects; administered by the owner with INSERT and DELETE (see the README).
      `CREATE TABLE ${schemaName}.project_roles (
        role_name name NOT NULL,
        project   ${text} NOT NULL,
        PRIMARY KEY (role_name, project)
      )`,
      // SECURITY DEFINER so that a project role needs no grant on project_roles (it cannot read who else acts for
      // what). The role is an argument: inside the function current_user is its owner.
      `CREATE FUNCTION ${schemaName}.is_admin(role_name name) RETURNS boolean
         LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
           SELECT pg_has_role(role_name, c.relowner, 'MEMBER')
           FROM pg_class c WHERE c.oid = '${schemaName}.invocations'::regclass
         $$`,
      `CREATE FUNCTION ${schemaName}.may_act_for(role_name name, project text) RETURNS boolean
         LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
           SELECT project IS NOT NULL AND EXISTS (
             SELECT 1 FROM ${schemaName}.project_roles r WHERE r.role_name = $1 AND r.project = $2)
         $$`,
      ...['invocations', 'reservations', 'reservation_scopes'].flatMap((table) => [
        `ALTER TABLE ${schemaName}.${table} ENABLE ROW LEVEL SECURITY`,
        `ALTER TABLE ${schemaName}.${table} FORCE ROW LEVEL SECURITY`,
        // A row is the owner's (and its members') to see, or the project's whose setting the session carries AND for
        // which its role is listed: setting llm_service.project to another project gains a role nothing. The
        // sub-selects are evaluated once a statement, and project = <constant> keeps the (project, ...) indexes usable.
        `CREATE POLICY ${table}_by_project ON ${schemaName}.${table}
           USING (
             (SELECT ${schemaName}.is_admin(current_user))
             OR (project = current_setting('llm_service.project', true)
                 AND (SELECT ${schemaName}.may_act_for(current_user, current_setting('llm_service.project', true)))))
           WITH CHECK (
             (SELECT ${schemaName}.is_admin(current_user))
             OR (project = current_setting('llm_service.project', true)
                 AND (SELECT ${schemaName}.may_act_for(current_user, current_setting('llm_service.project', true)))))`,
      ]),
    ],
  },
  {
    version: 3,
    description: 'a notification on every change, for watch()',
    statements: [
      // Per statement, not per row, and with an empty payload: a listener learns that something changed, never what
      // (so row-level security has nothing to leak), and PostgreSQL folds a transaction's equal notifications into one.
      `CREATE FUNCTION ${schemaName}.notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN PERFORM pg_notify('${changeChannel}', ''); RETURN NULL; END
       $$`,
      ...['invocations', 'reservations', 'plan_window_observations', 'tool_holds'].map(
        (table) => `CREATE TRIGGER ${table}_changed AFTER INSERT OR UPDATE OR DELETE ON ${schemaName}.${table}
           FOR EACH STATEMENT EXECUTE FUNCTION ${schemaName}.notify_change()`,
      ),
    ],
  },
];

export const latestSchemaVersion = migrations[migrations.length - 1]!.version;
