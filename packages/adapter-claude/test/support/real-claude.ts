import { execFileSync } from 'node:child_process';
import { claudeSkipReason, findClaudeBinary } from '@llm-service/testkit';

/** Set when the real binary is missing: tests that need it are skipped with this reason printed once. */
export const skipReason = claudeSkipReason();
export const claudeBinary = findClaudeBinary() ?? '/nonexistent/claude';

if (skipReason !== undefined)
  process.stderr.write(`adapter-claude: skipping real-binary tests: ${skipReason}\n`);

/** The flag names (`-p`, `--model`, …) of the installed claude's `--help`, aliases included. */
export function helpFlags(): Set<string> {
  const help = execFileSync(claudeBinary, ['--help'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  const flags = new Set<string>();
  for (const line of help.split('\n')) {
    // Option lines start with the flag list: "  -p, --print    Print response…", "  --allowedTools, --allowed-tools <tools...>".
    const match = /^\s{2}(-[^\s<[,]+(?:,\s*-[^\s<[,]+)*)/.exec(line);
    if (!match) continue;
    for (const flag of match[1]!.split(/,\s*/)) flags.add(flag.trim());
  }
  return flags;
}

/** The `(choices: "a", "b")` listed for one option in `--help`. */
export function helpChoices(flag: string): string[] {
  const help = execFileSync(claudeBinary, ['--help'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  const start = help.indexOf(`  ${flag} `);
  if (start === -1) return [];
  const block = help.slice(start, help.indexOf('\n  -', start + 1));
  const choices = /\(choices:\s*([^)]*)\)/.exec(block.replace(/\s+/g, ' '))?.[1] ?? '';
  return [...choices.matchAll(/"([^"]+)"/g)].map((choice) => choice[1]!);
}
