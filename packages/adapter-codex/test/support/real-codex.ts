import { execFileSync } from 'node:child_process';
import { codexSkipReason, findCodexBinary } from '@llm-service/testkit';

/** Set when the real binary is missing: tests that need it are skipped with this reason printed once. */
export const skipReason = codexSkipReason();
export const codexBinary = findCodexBinary() ?? '/nonexistent/codex';

if (skipReason !== undefined)
  process.stderr.write(`adapter-codex: skipping real-binary tests: ${skipReason}\n`);

/** `codex exec --help` of the installed codex. */
export function execHelp(): string {
  return execFileSync(codexBinary, ['exec', '--help'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
}
