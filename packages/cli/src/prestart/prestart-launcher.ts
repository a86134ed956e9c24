import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  diesWithParent,
  sameLaunch,
  spawnTool,
  useToolLauncher,
  writeFileAtomicSync,
  type ToolLaunch,
} from '@llm-service/plugin-kit';
import { launchFiles, launchOf, recordedLaunchOf, stampOf, type PrestartRecord } from './prestart-record.js';
import type { Prestart, WaitingTool } from './start-predicted-tool.js';

/** What main does with the run's prediction once the command has finished. */
export interface PrestartSession {
  /**
   * Ends the prediction of this run: kills the waiting tool if the request did not take it, and records what the
   * request launched, for the next run. `configurationFiles` are the files whose change must void the record (the
   * configuration's, the trust store) when the config cache holds the configuration, undefined otherwise (then
   * nothing is recorded).
   */
  finish(configurationFiles: readonly string[] | undefined): void;
}

/**
 * Makes runTool start this run's tools through the prediction: the request's first launch takes the waiting tool
 * when it is exactly that launch, and every other launch spawns as usual. The first launch is what the next run
 * with the same options will predict.
 */
export function usePrestart(
  prestart: Prestart,
  env: Readonly<Record<string, string | undefined>>,
): PrestartSession {
  let first: ToolLaunch | undefined;
  let taken = false;
  /** The waiting tool was alive but not the launch asked for. */
  let mismatched = false;
  let waiting = prestart.waiting;
  const dismiss = () => {
    if (waiting) dismissTool(waiting);
    waiting = undefined;
  };
  // If this process ends before the request took it, the waiting tool goes with it.
  process.once('exit', dismiss);
  useToolLauncher({
    launch(launch) {
      if (first !== undefined) return spawnTool(launch);
      first = launch;
      const ready = waiting;
      waiting = undefined;
      if (ready && !ready.ended && sameLaunch(launch, ready.launch)) {
        taken = true;
        return ready.child;
      }
      if (ready) {
        mismatched = !ready.ended;
        dismissTool(ready);
      }
      return spawnTool(launch);
    },
  });
  return {
    finish(configurationFiles) {
      useToolLauncher(undefined);
      dismiss();
      process.off('exit', dismiss);
      // The record predicted this launch, on files bin.js found unchanged: it stands as it is.
      if (!taken) updateRecord(prestart, first, configurationFiles, env, mismatched);
    },
  };
}

/** A waiting tool the request did not take: killed with everything it started, before it read any input. */
function dismissTool(tool: WaitingTool): void {
  const { child } = tool;
  if (!tool.ended && child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  child.stdin?.destroy();
  child.stdout?.destroy();
  child.stderr?.destroy();
  child.unref();
}

/**
 * Whether a tool may be started ahead of its request: only one that waits for its prompt on stdin (a tool given it
 * otherwise would start working before the policy gate), and that dies with this process (elsewhere a killed `exec`
 * would leave it waiting, and its stdin's end would read as an empty prompt).
 */
export function mayWait(launch: ToolLaunch): boolean {
  return launch.stdin === 'pipe' && diesWithParent(launch);
}

/**
 * The record the next run reads: the launch, confirmed once two runs in a row made it; unconfirmed when this run
 * launched nothing it may predict (no prediction is better than a process started for nothing). When this run made
 * exactly the recorded launch, yet the process bin.js started from the record was another (`mismatched`), the record
 * cannot be reproduced before the bundle loads: it is not predicted again while the launch stays the same, rather
 * than costing every run a process. Written only when it changes, so a run that took its prediction writes nothing.
 */
function updateRecord(
  prestart: Prestart,
  launch: ToolLaunch | undefined,
  configurationFiles: readonly string[] | undefined,
  env: Readonly<Record<string, string | undefined>>,
  mismatched: boolean,
): void {
  const previous = prestart.record?.key === prestart.key ? prestart.record : undefined;
  if (launch === undefined || configurationFiles === undefined || !mayWait(launch)) {
    if (previous?.confirmed) write(prestart.recordPath, { ...previous, confirmed: false });
    return;
  }
  const files: Record<string, string> = {};
  for (const path of [...configurationFiles, ...launchFiles(launch)]) files[path] = stampOf(path);
  const repeated = previous !== undefined && sameLaunch(launch, launchOf(previous.launch, env));
  const unreproducible = repeated && (mismatched || previous.unreproducible === true);
  const next: PrestartRecord = {
    format: 1,
    key: prestart.key,
    launch: recordedLaunchOf(launch, env),
    confirmed: repeated && !unreproducible,
    files,
    ...(unreproducible ? { unreproducible } : {}),
  };
  if (previous && JSON.stringify(previous) === JSON.stringify(next)) return;
  write(prestart.recordPath, next);
}

function write(path: string, record: PrestartRecord): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileAtomicSync(path, JSON.stringify(record), { mode: 0o600 });
  } catch {
    // A record that cannot be written costs only a head start; a stale one only a process killed unused.
  }
}
