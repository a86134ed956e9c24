import { spawn, type ChildProcess } from 'node:child_process';

/** Everything a tool's process starts with: two equal launches start the same process. */
export interface ToolLaunch {
  /** Absolute path of the executable: tools never run through a shell. */
  file: string;
  /** Its arguments, each one argv element. */
  args: readonly string[];
  /** The working directory. */
  cwd: string;
  /** Its whole environment: the variables it gets, and no others. */
  env: Readonly<Record<string, string>>;
  /** `pipe` when the tool is given input on stdin, `ignore` when its stdin is closed at once. */
  stdin: 'pipe' | 'ignore';
}

/**
 * Starts tools' processes for {@link runTool}. A host replaces the default (a plain spawn) with
 * {@link useToolLauncher}: the CLI hands out a process it started before its own code loaded, when it is exactly the
 * launch asked for (see the CLI's prestart). Whatever it returns must have been started by {@link spawnTool} with this
 * launch, and must not have been written to: runTool sends the input.
 */
export interface ToolLauncher {
  /** The process of `launch`, started now or before. */
  launch(launch: ToolLaunch): ChildProcess;
}

/**
 * Starts a launch as runTool runs every tool: in its own process group (so a timeout or Ctrl-C ends everything the
 * tool started), stdout and stderr piped, no shell.
 */
export function spawnTool(launch: ToolLaunch): ChildProcess {
  return spawn(launch.file, [...launch.args], {
    cwd: launch.cwd,
    env: launch.env,
    detached: true,
    stdio: [launch.stdin, 'pipe', 'pipe'],
    shell: false,
    windowsHide: true,
  });
}

/** The variables a child gets from an environment: an undefined value is no variable (as `spawn` treats it). */
export function definedVariables(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const defined: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) defined[name] = value;
  return defined;
}

/** Whether two launches start the same process: the same file, arguments, directory, stdin and environment. */
export function sameLaunch(a: ToolLaunch, b: ToolLaunch): boolean {
  if (a.file !== b.file || a.cwd !== b.cwd || a.stdin !== b.stdin) return false;
  if (a.args.length !== b.args.length || a.args.some((arg, index) => arg !== b.args[index])) return false;
  const names = Object.keys(a.env);
  return (
    names.length === Object.keys(b.env).length &&
    names.every((name) => Object.hasOwn(b.env, name) && a.env[name] === b.env[name])
  );
}

const spawnEveryLaunch: ToolLauncher = { launch: spawnTool };
let launcher: ToolLauncher = spawnEveryLaunch;

/** Makes `next` start every tool of this process from now on; `undefined` goes back to a plain spawn. */
export function useToolLauncher(next: ToolLauncher | undefined): void {
  launcher = next ?? spawnEveryLaunch;
}

/** The launcher in use: the host's, or a plain spawn. */
export function toolLauncher(): ToolLauncher {
  return launcher;
}
