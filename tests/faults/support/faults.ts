/**
 * Helpers shared by the fault-injection suite: reading the telemetry database without going through the CLI, telling
 * whether a tool process is still running, snapshots of directory trees, and the checks every faulted run must pass.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot, runCli } from '../../../packages/cli/test/support/cli.js';

/** The few better-sqlite3 calls these tests make; its types belong to the telemetry package, not to the root. */
export interface SqliteDatabase {
  prepare(sql: string): { get(...parameters: unknown[]): unknown; all(...parameters: unknown[]): unknown[] };
  close(): void;
}
type SqliteConstructor = new (path: string, options?: { fileMustExist?: boolean }) => SqliteDatabase;

/** better-sqlite3 as the telemetry package resolves it: the root workspace does not depend on it. */
const Sqlite = createRequire(join(repoRoot, 'packages/telemetry/package.json'))(
  'better-sqlite3',
) as SqliteConstructor;

/** Opens the database, runs `read` and closes it again, so no connection of ours outlives the check. */
export function withDatabase<T>(path: string, read: (db: SqliteDatabase) => T): T {
  const db = new Sqlite(path, { fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** `PRAGMA integrity_check` as one string: 'ok', or every problem SQLite found, one a line. */
export function integrityCheck(path: string): string {
  return withDatabase(path, (db) =>
    (db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[])
      .map((row) => row.integrity_check)
      .join('\n'),
  );
}

export function heldReservations(path: string): number {
  return withDatabase(
    path,
    (db) =>
      (db.prepare(`SELECT COUNT(*) AS n FROM reservations WHERE status = 'held'`).get() as { n: number }).n,
  );
}

export function runningRows(path: string): number {
  return withDatabase(
    path,
    (db) =>
      (db.prepare(`SELECT COUNT(*) AS n FROM invocations WHERE status = 'running'`).get() as { n: number }).n,
  );
}

export interface LedgerComparison {
  /** What the spend ledger reports for the budget's period, through `llm-service budget --json`. */
  ledgerUsd: number;
  /** `TOTAL(cost_usd)` of the invocation rows started in the same period. */
  rowsUsd: number;
  /** `TOTAL(cost_usd)` of every row, whatever its period (equal to `rowsUsd` unless the run crossed a month). */
  allRowsUsd: number;
  rows: number;
}

/**
 * The spend ledger's figure against the recorded rows. The ledger is read through `budget --json`, the way budgets
 * read it, for the config's first budget (which must be `global`); the rows are summed over the period that report
 * names, so the comparison holds even when the suite runs across the end of a month.
 */
export async function compareLedgerWithRows(
  configDir: string,
  env: Record<string, string>,
  dbPath: string,
): Promise<LedgerComparison> {
  const run = await runCli(['budget', '--config-dir', configDir, '--json'], { env });
  if (run.code !== 0) throw new Error(`budget --json exited with ${String(run.code)}: ${run.stderr}`);
  return ledgerFromReport(run.stdout.toString(), dbPath);
}

/** `compareLedgerWithRows` for a `budget --json` report produced elsewhere (inside the full-disk namespace). */
export function ledgerFromReport(reportJson: string, dbPath: string): LedgerComparison {
  const report = JSON.parse(reportJson) as {
    budgets: { spendScope: string; spentUsd: number; periodStart: string; resetsAt: string }[];
  };
  const budget = report.budgets[0];
  if (!budget || budget.spendScope !== 'global') throw new Error(`no global budget in ${reportJson}`);
  // Rows store times as toISOString() (with milliseconds); compare in the same form, not as the report prints them.
  const start = new Date(budget.periodStart).toISOString();
  const end = new Date(budget.resetsAt).toISOString();
  return withDatabase(dbPath, (db) => {
    const inPeriod = db
      .prepare('SELECT TOTAL(cost_usd) AS usd FROM invocations WHERE started_at >= ? AND started_at < ?')
      .get(start, end) as { usd: number };
    const all = db.prepare('SELECT TOTAL(cost_usd) AS usd, COUNT(*) AS n FROM invocations').get() as {
      usd: number;
      n: number;
    };
    return { ledgerUsd: budget.spentUsd, rowsUsd: inPeriod.usd, allRowsUsd: all.usd, rows: all.n };
  });
}

/**
 * Whether `pid` is a running stand-in tool. A zombie has finished (its parent has not reaped it yet), and a pid now
 * used by another program means the tool is long gone: both count as not running.
 */
export function toolRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name in parentheses, which may itself contain spaces or parentheses.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('stand-in-llm');
  } catch {
    return false;
  }
}

/** The pid a stand-in wrote to its STAND_IN_PID_FILE, or undefined before it wrote one. */
export function pidFrom(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds or `timeoutMs` passes; says which, rather than throwing, so callers can clean up. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  intervalMs = 5,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
  return true;
}

/**
 * A small seeded generator (mulberry32), so that a failing run's plan (delays, free space) can be replayed with
 * FAULTS_SEED; the timing of the processes themselves still varies from run to run.
 */
export function seededRandom(seed: number): { next(): number; int(min: number, max: number): number } {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}

export function suiteSeed(): number {
  const fromEnv = Number(process.env.FAULTS_SEED);
  return Number.isInteger(fromEnv) ? fromEnv : Math.floor(Math.random() * 2 ** 31);
}

/**
 * Every entry under `dir` (not following links) with what it is: a file's SHA-256 and mode, a link's target, or
 * 'dir'. Two snapshots are equal exactly when nothing was created, removed, rewritten or re-pointed.
 */
export function snapshotTree(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const visit = (relative: string) => {
    const path = relative === '' ? dir : join(dir, relative);
    const stats = lstatSync(path);
    if (stats.isSymbolicLink()) entries[relative] = `link -> ${readlinkSync(path)}`;
    else if (stats.isDirectory()) {
      entries[relative] = 'dir';
      for (const name of readdirSync(path).sort()) visit(relative === '' ? name : `${relative}/${name}`);
    } else {
      const digest = createHash('sha256').update(readFileSync(path)).digest('hex');
      entries[relative] = `file ${(stats.mode & 0o7777).toString(8)} ${digest}`;
    }
  };
  if (existsSync(dir)) visit('');
  return entries;
}

/** Relative paths under `dir` (not following links) whose name matches, e.g. temp files left behind. */
export function findEntries(dir: string, name: RegExp): string[] {
  return Object.keys(snapshotTree(dir)).filter((path) => name.test(path.split('/').pop() ?? ''));
}

/**
 * What is wrong with a CLI run's stderr, by the rules of docs/troubleshooting.md: a failure is one line
 * `llm-service: error: …`, optionally followed by `  hint: …` lines; notices are `llm-service: warning: …`; never a
 * stack trace or an internal error. Returns the problems (empty when the output follows the rules).
 */
export function stderrProblems(code: number | null, stderr: string): string[] {
  const problems = new Set<string>();
  const lines = stderr.split('\n').filter((line) => line !== '');
  for (const line of lines) {
    if (/^\s+at /.test(line)) problems.add('a stack trace');
    else if (/internal error|this is a bug/i.test(line)) problems.add('an internal error');
    else if (!/^llm-service: (error|warning): |^ {2}hint: /.test(line))
      problems.add(`an unexpected line: ${line}`);
  }
  const errors = lines.filter((line) => line.startsWith('llm-service: error: ')).length;
  if (code !== 0 && errors !== 1)
    problems.add(`exit ${String(code)} with ${errors} error lines (expected 1)`);
  if (code === 0 && errors !== 0) problems.add(`exit 0 with ${errors} error lines`);
  return [...problems];
}

/** The first error line of a run, its paths shortened, so that runs failing the same way count as one kind. */
export function errorKind(stderr: string): string | undefined {
  const line = stderr.split('\n').find((each) => /^llm-service: (internal )?error: /.test(each));
  return line?.replace(/\/\S+\//g, '…/');
}

/** Exit codes docs/troubleshooting.md lists for a request that did not run to completion (130/143 need a signal). */
export const documentedExitCodes: readonly number[] = [0, 1, 2, 3];
