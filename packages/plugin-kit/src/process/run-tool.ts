import { existsSync } from 'node:fs';
import { monotonicMs } from '../time/monotonic.js';
import { definedVariables, toolLauncher, type ToolLaunch } from './tool-launch.js';

export interface RunToolOptions {
  /** Absolute path of the executable: tools never run through a shell. */
  file: string;
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Bytes for the child's stdin; when absent, stdin is closed at once. */
  input?: Uint8Array | undefined;
  timeoutMs: number;
  signal: AbortSignal;
  /** Time between SIGTERM and SIGKILL for the process group. */
  killGraceMs?: number;
  onStdout?: (chunk: Buffer) => void;
  /** Keep the whole stdout (parsers that need it at the end); otherwise only `onStdout` sees it. */
  collectStdout?: boolean;
  /** Stderr kept for error messages: the last bytes, since the end of a log usually says why. */
  maxStderrBytes?: number;
}

export interface RunToolResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** Set when the process could not start at all (e.g. EACCES). */
  spawnError: NodeJS.ErrnoException | undefined;
}

function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

const liveGroups = new Set<number>();
let exitHookInstalled = false;
/** If this process exits while tools run, their process groups go with it. */
function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of liveGroups) killGroup(group, 'SIGKILL');
  });
}

/**
 * On Linux, tools start through util-linux's `setpriv --pdeathsig KILL`, which asks the kernel to kill the tool when
 * its parent dies and then becomes the tool (same pid, no process left in between): an `exec` killed with SIGKILL
 * cannot leave its tool running, and spending, unrecorded. Node cannot set the parent-death signal itself.
 */
interface ParentDeathGuard {
  file: string;
  args: readonly string[];
  /** The error of a tool the guard could not start (setpriv says so on stderr and exits 126 or 127). */
  failure(exitCode: number | null, stderr: string, tool: string): NodeJS.ErrnoException | undefined;
}

const setprivPath = '/usr/bin/setpriv';
let guardChecked = false;
let guard: ParentDeathGuard | undefined;

function parentDeathGuard(): ParentDeathGuard | undefined {
  if (guardChecked) return guard;
  guardChecked = true;
  if (process.platform !== 'linux' || !existsSync(setprivPath)) return undefined;
  guard = {
    file: setprivPath,
    args: ['--pdeathsig', 'KILL', '--'],
    failure(exitCode, stderr, tool) {
      if (exitCode !== 126 && exitCode !== 127) return undefined;
      const reason = /^setpriv: failed to execute [^\n]*: ([^\n]+)$/m.exec(stderr)?.[1];
      if (reason === undefined) return undefined;
      const code = exitCode === 127 ? 'ENOENT' : /permission/i.test(reason) ? 'EACCES' : 'ENOEXEC';
      return Object.assign(new Error(`spawn ${tool} ${code}`), {
        code,
        syscall: `spawn ${tool}`,
        path: tool,
      });
    },
  };
  return guard;
}

/**
 * Whether a launch starts its tool through the parent-death guard, so that the tool cannot outlive this process even
 * when it is killed with SIGKILL: only such a launch may be started ahead of its request (see {@link ToolLauncher}).
 */
export function diesWithParent(launch: Pick<ToolLaunch, 'file' | 'args'>): boolean {
  const current = parentDeathGuard();
  return (
    current !== undefined &&
    launch.file === current.file &&
    current.args.every((argument, index) => launch.args[index] === argument)
  );
}

/**
 * Runs a tool as a child process in its own process group, so a timeout or Ctrl-C ends the tool and everything it
 * started (SIGTERM to the group, SIGKILL after a grace period). Node's `spawn` is used directly rather than execa:
 * group handling is needed either way, and execa costs about 20 ms of start-up on every `exec` (measured bundled).
 */
export function runTool(options: RunToolOptions): Promise<RunToolResult> {
  const started = monotonicMs();
  const maxStderr = options.maxStderrBytes ?? 64 * 1024;
  const grace = options.killGraceMs ?? 2_000;
  const guard = parentDeathGuard();
  return new Promise((resolvePromise) => {
    const [file, args] = guard
      ? [guard.file, [...guard.args, options.file, ...options.args]]
      : [options.file, [...options.args]];
    const launch: ToolLaunch = {
      file,
      args,
      cwd: options.cwd,
      env: definedVariables(options.env),
      stdin: options.input === undefined ? 'ignore' : 'pipe',
    };
    const child = toolLauncher().launch(launch);
    const stdoutChunks: Buffer[] = [];
    let stderr = Buffer.alloc(0);
    let timedOut = false;
    let cancelled = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const terminate = () => {
      if (child.pid === undefined) return;
      const pid = child.pid;
      killGroup(pid, 'SIGTERM');
      killTimer ??= setTimeout(() => killGroup(pid, 'SIGKILL'), grace);
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      terminate();
    }, options.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      terminate();
    };
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });

    if (child.pid !== undefined) trackGroup(child.pid);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (options.collectStdout) stdoutChunks.push(chunk);
      options.onStdout?.(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > maxStderr) stderr = stderr.subarray(stderr.length - maxStderr);
    });
    if (child.stdin) {
      // A tool that exits without reading all of its input is not an error of ours (EPIPE).
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
    child.on('error', (error: NodeJS.ErrnoException) => {
      spawnError = error;
      finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));

    function finish(exitCode: number | null, signal: NodeJS.Signals | null) {
      if (settled) return;
      settled = true;
      // The guard could not start the tool: the same failure as spawning it directly would have been.
      const guardFailure = guard ? guard.failure(exitCode, stderr.toString('utf8'), options.file) : undefined;
      if (guardFailure) {
        spawnError = guardFailure;
        exitCode = null;
        stderr = Buffer.alloc(0);
      }
      clearTimeout(timeout);
      options.signal.removeEventListener('abort', onAbort);
      if (child.pid !== undefined) {
        const pid = child.pid;
        liveGroups.delete(pid);
        // The leader is gone; make sure nothing it started outlives a timeout or a cancel.
        if (timedOut || cancelled) {
          if (killTimer) clearTimeout(killTimer);
          killGroup(pid, 'SIGKILL');
        }
      } else if (killTimer) {
        clearTimeout(killTimer);
      }
      resolvePromise({
        exitCode,
        signal,
        stdout: Buffer.concat(stdoutChunks),
        stderr: stderr.toString('utf8'),
        timedOut,
        cancelled,
        durationMs: Math.round(monotonicMs() - started),
        spawnError,
      });
    }
  });
}
