import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnTool, type ToolLaunch } from '@llm-service/plugin-kit';
import {
  filesUnchanged,
  launchOf,
  parseRecord,
  prestartKey,
  recordPath,
  type PrestartRecord,
} from './prestart-record.js';

/** A tool process started ahead of its request, waiting for its input. */
export interface WaitingTool {
  child: ChildProcess;
  launch: ToolLaunch;
  /** Set when the process could not start or has ended: it is not handed out then. */
  ended: boolean;
}

/** What bin.js hands to the bundle about this run's prediction (see usePrestart). */
export interface Prestart {
  key: string;
  recordPath: string;
  record: PrestartRecord | undefined;
  waiting: WaitingTool | undefined;
}

/**
 * For an `exec` run, before the CLI's own code loads: reads what the last runs with the same options launched and,
 * when the last two launched the same tool on files still unchanged, starts it now. The tool gets no input yet:
 * runTool hands it its prompt only if the request, once routed and through the policy gate, launches exactly this;
 * otherwise the process is killed before it read a byte. Undefined for a run that is not predicted at all.
 */
export function startPredictedTool(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  version: string,
): Prestart | undefined {
  if (env.LLM_SERVICE_NO_PRESTART) return undefined;
  const cacheHome = cacheHomeOf(env);
  const key = prestartKey(argv, env, cwd, version);
  if (key === undefined || cacheHome === undefined) return undefined;
  const path = recordPath(cacheHome, key);
  let record: PrestartRecord | undefined;
  try {
    record = parseRecord(readFileSync(path, 'utf8'));
  } catch {
    record = undefined;
  }
  const prestart: Prestart = { key, recordPath: path, record, waiting: undefined };
  if (!record || record.key !== key || !record.confirmed || record.launch.stdin !== 'pipe') return prestart;
  if (!filesUnchanged(record.files)) return prestart;
  const launch = launchOf(record.launch, env);
  const child = spawnTool(launch);
  const waiting: WaitingTool = { child, launch, ended: false };
  const ended = () => {
    waiting.ended = true;
  };
  child.once('error', ended);
  child.once('exit', ended);
  prestart.waiting = waiting;
  return prestart;
}

/**
 * The plugin kit's `userCacheHome`, without its fallback to `os.homedir()` for an environment with no HOME: loading
 * `node:os` took 0.2 ms before the tool's start. Such a run predicts nothing.
 */
function cacheHomeOf(env: NodeJS.ProcessEnv): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME && join(env.HOME, '.cache'));
  return base ? join(base, 'llm-service') : undefined;
}
