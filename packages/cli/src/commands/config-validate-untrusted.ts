import { ConfigError, formatConfigIssue } from '@llm-service/spec';
import { readConfigSources } from '@llm-service/config';
import { forTerminal } from '@llm-service/plugin-kit';
import { builtinPlugins } from '../builtin-plugins.js';
import { checkConfigWithoutCode } from '../config-check/check-without-code.js';
import { colorsFor } from '../io/colors.js';
import type { CliContext } from '../program.js';
import { describeTrustChanges, type TrustCheck } from '../trust/trust-store.js';

/** How many changed files the notice names; a reinstalled node_modules would otherwise fill the screen. */
const listedChanges = 50;

function whyUntrusted(dir: string, trust: TrustCheck): string {
  if (trust.status !== 'changed') return `the project config ${dir} is not trusted yet`;
  const which = trust.changes
    ? describeTrustChanges(trust.changes, listedChanges)
    : 'which files changed is not known: it was trusted by an earlier version of llm-service';
  return `the project config ${dir} has changed since it was trusted (${which})`;
}

/**
 * `config validate` of a project config the user has not trusted (or that changed since): everything that can be
 * checked without running the project's code is, with the CLI's built-in plugins; the plugins the config names are
 * not loaded, and what they may own is listed as not checked until the config is trusted. Problems exit 2 as for any
 * config; no problems exit 0, with the notice on stderr.
 */
export async function validateUntrusted(
  dir: string,
  trust: TrustCheck,
  context: CliContext,
): Promise<number> {
  const { io } = context;
  const sources = readConfigSources(dir, 'project', io.cwd);
  const result = await checkConfigWithoutCode(sources, builtinPlugins, io.env);
  const colors = colorsFor(io.stderr, io.env);
  const trustCommand = `llm-service config trust --config-dir ${dir}`;
  const [first, ...rest] =
    result.unchecked.length === 0
      ? [
          `${whyUntrusted(dir, trust)}: it was checked without running any of its code, and runs only once trusted`,
        ]
      : [
          `${whyUntrusted(dir, trust)}, so it was checked without running any of its code; not checked until it is trusted:`,
          ...result.unchecked.map((part) => `  ${formatConfigIssue(part)}`),
        ];
  const hint =
    result.unchecked.length === 0
      ? `review it, then run \`${trustCommand}\``
      : `review it, then run \`${trustCommand}\` and validate again to check these too`;
  io.stderr.write(`${colors.yellow('llm-service: warning:')} ${forTerminal(first ?? '')}\n`);
  for (const line of rest) io.stderr.write(`${forTerminal(line)}\n`);
  io.stderr.write(`${colors.dim('  hint:')} ${forTerminal(hint)}\n`);

  if (result.problems.length > 0 || !result.config) throw new ConfigError(result.problems);
  const { config } = result;
  const count = (record: object) => Object.keys(record).length;
  const notLoaded = result.notLoaded.length;
  io.stdout.write(
    `config OK: ${config.dir} (${count(config.agents)} agents, ${count(config.tools)} tools, ${count(config.models)} models; ` +
      `${builtinPlugins.length} plugins${notLoaded > 0 ? `, ${notLoaded} not loaded until trusted` : ''})\n`,
  );
  return 0;
}
