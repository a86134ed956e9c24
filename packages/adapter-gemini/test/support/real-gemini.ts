import { execFileSync } from 'node:child_process';
import { findGeminiBinary, geminiSkipReason } from '@llm-service/testkit';

/** Set when the real binary is missing: tests that need it are skipped with this reason printed once. */
export const skipReason = geminiSkipReason();
export const geminiBinary = findGeminiBinary() ?? '/nonexistent/gemini';
if (skipReason !== undefined)
  process.stderr.write(`adapter-gemini: skipping real-binary tests: ${skipReason}\n`);

/** The installed gemini's `--help`. */
export function helpText(): string {
  return execFileSync(geminiBinary, ['--help'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1' },
  });
}

/** The flag names (`-m`, `--model`, …) of `--help`, aliases included. */
export function helpFlags(help: string): Set<string> {
  const flags = new Set<string>();
  for (const line of help.split('\n')) {
    // yargs option lines: "  -m, --model   Model  [string]", "      --skip-trust   Trust…".
    const match = /^\s+(-[^\s,]+(?:,\s*-[^\s,]+)*)\s{2,}/.exec(line);
    if (!match) continue;
    for (const flag of match[1]!.split(/,\s*/)) flags.add(flag.trim());
  }
  return flags;
}

/** The `[choices: "a", "b"]` yargs lists for one option in `--help`. */
export function helpChoices(help: string, flag: string): string[] {
  const line = help.split('\n').find((candidate) => new RegExp(`\\s${flag}\\s`).test(candidate)) ?? '';
  const choices = /\[choices:\s*([^\]]*)\]/.exec(line)?.[1] ?? '';
  return [...choices.matchAll(/"([^"]+)"/g)].map((choice) => choice[1]!);
}
