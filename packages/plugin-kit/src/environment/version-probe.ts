import { runTool } from '../process/run-tool.js';

/** A version probe that hangs (a tool waiting for a login prompt, say) must not hang detection. */
export const versionProbeTimeoutMs = 5_000;

function firstLine(text: string): string | undefined {
  return text
    .split(/\r?\n/)
    .map((candidate) => candidate.trim())
    .find((candidate) => candidate.length > 0);
}

/** The first line a tool prints for its version flag, or undefined when it fails, hangs or exits non-zero. */
export async function probeVersion(
  file: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
): Promise<string | undefined> {
  const result = await runTool({
    file,
    args,
    cwd,
    env,
    timeoutMs: versionProbeTimeoutMs,
    signal: new AbortController().signal,
    killGraceMs: 500,
    collectStdout: true,
    maxStderrBytes: 4096,
  });
  // A non-zero exit usually means the flag is unknown and the output is a usage text, not a version.
  if (result.spawnError || result.timedOut || result.exitCode !== 0) return undefined;
  // Some tools print their version on stderr.
  return (firstLine(result.stdout.toString('utf8')) ?? firstLine(result.stderr))?.slice(0, 200);
}

/**
 * The version number in a `--version` output: the first `1.2.3…` that starts its first line or a word of it
 * (`2.1.328 (Claude Code)`, `codex-cli 0.169.0`, `v0.61.0` → `2.1.328`, `0.169.0`, `0.61.0`); without one, that line
 * (at most 200 characters); undefined for an empty output.
 */
export function parseVersion(output: string): string | undefined {
  const line = firstLine(output);
  if (line === undefined) return undefined;
  return /(?:^|\s)v?(\d+\.\d+\.\d+\S*)/.exec(line)?.[1] ?? line.slice(0, 200);
}
