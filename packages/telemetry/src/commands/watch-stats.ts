import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CommandInput, TelemetryStoreV1 } from '@llm-service/spec';
import { roundFigures } from '@llm-service/plugin-kit';
import { watchFiles } from '../query/watch-files.js';
import { SqliteTelemetryStore } from '../sqlite/sqlite-store.js';
import type { TelemetrySettings } from '../store/paths.js';
import { renderStats } from './render-stats.js';
import { commandStore } from './settings.js';
import { statsForStore, type StatsOptions } from './run-stats.js';
import type { StatsReport } from './stats-report.js';

const escape = '\u001b[';
const hideCursor = `${escape}?25l`;
const showCursor = `${escape}?25h`;
const clearScreen = `${escape}2J`;
const cursorHome = `${escape}H`;
const clearToLineEnd = `${escape}K`;
const clearBelow = `${escape}J`;

/** A commit touches the database, its WAL and its shared memory: one read after a change settles, not three. */
const settleMs = 50;

/** Device and inode of the database file, so a file moved aside and created again is opened again. */
function fileIdentity(path: string): string | undefined {
  try {
    const stats = statSync(path);
    return `${stats.dev}:${stats.ino}`;
  } catch {
    return undefined;
  }
}

function secondsText(intervalMs: number): string {
  return `${Number((intervalMs / 1000).toFixed(3))} s`;
}

/**
 * `stats --watch`: the report again whenever telemetry changes (the database's directory is watched, as the
 * dashboard does) and at least every `intervalMs`, until SIGINT or SIGTERM, which end it with exit code 0.
 *
 * - On a terminal: the screen is cleared once, then each report is drawn over the last from the top-left corner
 *   under a line saying when it was read; the cursor is hidden meanwhile and shown again at the end.
 * - Off a terminal (a pipe, a file): each report that differs from the last one printed is printed in full, after
 *   a blank line; no escape codes. With `--json`, one JSON document a line (NDJSON), also only when it changed.
 *
 * One connection is kept for the whole watch: reopening the database for each report would let this process be the
 * last connection to close it, whose checkpoint rewrites the files the watcher reports, and so on in a loop. Any
 * error ends the watch as it ends `stats` (a damaged database: exit 2), after the terminal is restored.
 */
export async function watchStats(
  input: CommandInput,
  settings: TelemetrySettings,
  options: StatsOptions,
  intervalMs: number,
): Promise<number> {
  const databasePath = settings.dbPath;
  // A store plugin's database is opened once, and says itself when it changed (or is read every interval).
  const shared = settings.store === 'sqlite' ? undefined : await commandStore(input, settings);
  const { stdout } = input.io;
  const terminal = input.io.interactive && !options.json;
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone: options.tz ?? 'UTC',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });

  return new Promise<number>((resolve, reject) => {
    let store: TelemetryStoreV1 | undefined = shared;
    let storeIdentity: string | undefined;
    let stopWatching: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    let soon: NodeJS.Timeout | undefined;
    let lastPrinted: string | undefined;
    let cursorHidden = false;
    let ended = false;

    const restoreCursor = () => {
      if (cursorHidden) stdout.write(showCursor);
      cursorHidden = false;
    };

    const finish = (error?: unknown) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      clearTimeout(soon);
      stopWatching?.();
      void store?.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('exit', restoreCursor);
      stdout.off('error', onOutputError);
      stdout.off('resize', changed);
      restoreCursor();
      if (error === undefined) resolve(0);
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const onSignal = () => finish();
    // A reader that went away (`stats --watch | head`) ends the watch; the CLI says nothing about EPIPE.
    const onOutputError = () => finish();

    /** Opens the database once it exists (again when it was replaced), and watches its directory once that exists. */
    const follow = () => {
      if (shared) {
        stopWatching ??= shared.watch?.(changed);
        return;
      }
      const identity = fileIdentity(databasePath);
      if (identity !== storeIdentity) {
        void store?.close();
        store =
          identity === undefined
            ? undefined
            : new SqliteTelemetryStore({ path: databasePath, create: false });
        storeIdentity = identity;
      }
      if (!stopWatching && existsSync(dirname(databasePath)))
        stopWatching = watchFiles([databasePath], changed);
    };

    const draw = (report: StatsReport, at: Date) => {
      if (options.json) {
        const line = JSON.stringify(report, roundFigures);
        if (line !== lastPrinted) stdout.write(`${line}\n`);
        lastPrinted = line;
        return;
      }
      const text = renderStats(report);
      if (!terminal) {
        if (text !== lastPrinted) stdout.write(lastPrinted === undefined ? text : `\n${text}`);
        lastPrinted = text;
        return;
      }
      const heading =
        `Read every ${secondsText(intervalMs)} and when telemetry changes; last at ${time.format(at)} ` +
        `(${options.tz ?? 'UTC'}). Ctrl-C to stop.`;
      // Each line clears what a longer line of the last report left, and everything below the report is cleared.
      const lines = [heading, '', ...text.replace(/\n$/, '').split('\n')];
      const frame = lines.map((line) => `${line}${clearToLineEnd}\n`).join('');
      stdout.write(`${cursorHidden ? '' : `${hideCursor}${clearScreen}`}${cursorHome}${frame}${clearBelow}`);
      cursorHidden = true;
    };

    const refresh = () => {
      if (ended) return;
      clearTimeout(timer);
      clearTimeout(soon);
      soon = undefined;
      const now = new Date();
      let reading: Promise<StatsReport>;
      try {
        follow();
        reading = statsForStore(store, store?.location ?? databasePath, options, now);
      } catch (error) {
        finish(error);
        return;
      }
      reading.then(
        (report) => {
          if (ended) return;
          draw(report, now);
          timer = setTimeout(refresh, intervalMs);
        },
        (error: unknown) => finish(error),
      );
    };

    function changed() {
      if (!ended && soon === undefined) soon = setTimeout(refresh, settleMs);
    }

    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('exit', restoreCursor);
    stdout.on('error', onOutputError);
    // A terminal made narrower wraps the last report's lines: draw it again at once.
    if (terminal) stdout.on('resize', changed);
    refresh();
  });
}
