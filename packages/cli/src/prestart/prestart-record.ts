import { isAbsolute, join } from 'node:path';
import { definedVariables, fileStamp, type ToolLaunch } from '@llm-service/plugin-kit';

/**
 * What `exec` remembers of the tool its last runs with the same options started, in
 * `$XDG_CACHE_HOME/llm-service/prestart/`: enough to start that tool again before the CLI's own code has loaded.
 *
 * Read by bin.js before the bundle, so it is checked by hand rather than with zod (loading zod there would cost most
 * of what starting early saves); anything unexpected is no record.
 */
export interface PrestartRecord {
  format: 1;
  /** The options it was recorded for ({@link prestartKey}), in full: two keys may share a file name. */
  key: string;
  launch: RecordedLaunch;
  /** Whether the last two runs started exactly this launch: only then is it predicted. */
  confirmed: boolean;
  /**
   * Files whose change voids the prediction, each with its {@link stampOf}: the configuration's files (a
   * change may route elsewhere, or lose a project's trust), the trust store (trust taken away), and the launch's
   * executable and absolute arguments (a changed tool program loses a project's trust too). A project's tool is
   * started ahead only while everything its trust was checked on is as it was.
   */
  files: Record<string, string>;
  /** Set when a run made this very launch yet did not take the process started from the record (see updateRecord). */
  unreproducible?: boolean;
}

/**
 * A launch with its environment as a difference from the caller's: the variables the adapter and the configuration
 * set (the configuration's text, kept only without `${VAR}`), never a copy of the caller's environment.
 */
export interface RecordedLaunch {
  file: string;
  args: string[];
  cwd: string;
  stdin: 'pipe' | 'ignore';
  set: Record<string, string>;
  unset: string[];
}

/** The options of `exec` that choose the tool, the model or its arguments: they make the key, with their values. */
const keyOptions = new Set([
  '--config-dir',
  '-a',
  '--agent',
  '-t',
  '--task-type',
  '--tool',
  '--model',
  '--timeout',
]);
/** Options whose value never reaches the launch, and must not reach the disk: the prompt above all. */
const valueOptions = new Set([
  '-p',
  '--prompt',
  '-f',
  '--prompt-file',
  '--context',
  '--chain-id',
  '-o',
  '--output',
  '--reason',
  '--max-cost-usd',
]);
const flags = new Set([
  '--no-fallback',
  '--json',
  '-y',
  '--yes',
  '--force',
  '-q',
  '--quiet',
  '-v',
  '--verbose',
]);

/**
 * The key of an `exec` run's launch: the version, the directory, `$LLM_SERVICE_CONFIG_DIR` and the options that choose
 * the tool. Undefined for anything else, or an argument it does not know (a run that will not start a tool, such as
 * `--dry-run` or `--help`, or a spelling it cannot tell from a prompt): such a run is neither predicted nor recorded.
 */
export function prestartKey(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  version: string,
): string | undefined {
  if (argv[0] !== 'exec') return undefined;
  const kept: string[] = [];
  for (let index = 1; index < argv.length; index++) {
    const argument = argv[index] ?? '';
    const equals = argument.startsWith('--') ? argument.indexOf('=') : -1;
    const name = equals > 0 ? argument.slice(0, equals) : argument;
    if (flags.has(name) && equals < 0) continue;
    if (!keyOptions.has(name) && !valueOptions.has(name)) return undefined;
    const value = equals > 0 ? argument.slice(equals + 1) : argv[++index];
    if (value === undefined) return undefined;
    if (keyOptions.has(name))
      kept.push(name.replace(/^-a$/, '--agent').replace(/^-t$/, '--task-type'), value);
  }
  return JSON.stringify([version, cwd, env.LLM_SERVICE_CONFIG_DIR ?? '', kept]);
}

/** Where the record of a key is kept: a hash of the key names the file (FNV-1a; `crypto` would cost 2 ms to load). */
export function recordPath(cacheHome: string, key: string): string {
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let index = 0; index < key.length; index++) {
    const code = key.charCodeAt(index);
    low = Math.imul(low ^ code, 0x01000193) >>> 0;
    high = Math.imul(high ^ code, 0x01000193) >>> 0;
    high = (high + (low >>> 7)) >>> 0;
  }
  const name = high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
  return join(cacheHome, 'prestart', `${name}.json`);
}

/** The plugin kit's stamp of a file, or `absent` when there is none (or it cannot be looked at). */
export function stampOf(path: string): string {
  return fileStamp(path) ?? 'absent';
}

/** The files a launch depends on beyond the configuration: its executable and every absolute path among its arguments. */
export function launchFiles(launch: Pick<ToolLaunch, 'file' | 'args'>): string[] {
  return [launch.file, ...launch.args.filter((argument) => isAbsolute(argument))];
}

/** True when every file is as stamped. */
export function filesUnchanged(files: Readonly<Record<string, string>>): boolean {
  return Object.entries(files).every(([path, stamp]) => stampOf(path) === stamp);
}

/** The launch a record predicts in the caller's environment of now. */
export function launchOf(
  recorded: RecordedLaunch,
  env: Readonly<Record<string, string | undefined>>,
): ToolLaunch {
  const launchEnv = definedVariables(env);
  for (const name of recorded.unset) delete launchEnv[name];
  Object.assign(launchEnv, recorded.set);
  return {
    file: recorded.file,
    args: recorded.args,
    cwd: recorded.cwd,
    stdin: recorded.stdin,
    env: launchEnv,
  };
}

/** A launch as a record keeps it, relative to the caller's environment. */
export function recordedLaunchOf(
  launch: ToolLaunch,
  env: Readonly<Record<string, string | undefined>>,
): RecordedLaunch {
  const set: Record<string, string> = {};
  for (const [name, value] of Object.entries(launch.env)) if (env[name] !== value) set[name] = value;
  const unset = Object.keys(env).filter(
    (name) => env[name] !== undefined && !Object.hasOwn(launch.env, name),
  );
  return { file: launch.file, args: [...launch.args], cwd: launch.cwd, stdin: launch.stdin, set, unset };
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');
const isStringRecord = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((item) => typeof item === 'string');

/** The record a file holds, or undefined for anything else (another format, a damaged file). */
export function parseRecord(text: string): PrestartRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const launch = record.launch as Record<string, unknown> | null | undefined;
  const valid =
    record.format === 1 &&
    typeof record.key === 'string' &&
    typeof record.confirmed === 'boolean' &&
    (record.unreproducible === undefined || typeof record.unreproducible === 'boolean') &&
    isStringRecord(record.files) &&
    typeof launch === 'object' &&
    launch !== null &&
    typeof launch.file === 'string' &&
    isAbsolute(launch.file) &&
    isStringArray(launch.args) &&
    typeof launch.cwd === 'string' &&
    (launch.stdin === 'pipe' || launch.stdin === 'ignore') &&
    isStringRecord(launch.set) &&
    isStringArray(launch.unset);
  return valid ? (value as PrestartRecord) : undefined;
}
