import { basename } from 'node:path';
import { isLlmServiceError, type DetectResult, type ResolvedConfig } from '@llm-service/spec';
import { apiKeysSet, detectKnownClis } from '../init/detect.js';
import { colorsFor } from '../io/colors.js';
import { renderTable, tableOptionsFor } from '../io/table.js';
import type { CliContext } from '../program.js';
import { kernelFor } from './kernel-for.js';

export interface ToolsReport {
  installed: { id: string; label: string; path: string; version: string | null }[];
  notFound: { id: string; label: string; binary: string; install: string }[];
  apiKeys: string[];
  config: { dir: string; problem: string | null };
  configured: {
    id: string;
    adapter: string;
    binary: string;
    installed: boolean;
    path: string | null;
    version: string | null;
    problem: string | null;
  }[];
  notConfigured: { id: string; yaml: string }[];
}

/** The first line of an error, without the "invalid configuration (n problems):" list below it. */
function firstLine(error: unknown): string {
  const issues = (error as { issues?: unknown }).issues;
  if (Array.isArray(issues) && issues.length > 0) {
    const first = issues[0] as { message?: unknown };
    const more =
      issues.length > 1
        ? ` (and ${issues.length - 1} more problems; see \`llm-service config validate\`)`
        : '';
    return `${String(first.message)}${more}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  const hint = isLlmServiceError(error) && error.hint ? ` (${error.hint})` : '';
  return `${message.split('\n')[0]?.replace(/:$/, '') ?? message}${hint}`;
}

export async function collectToolsReport(
  options: { configDir?: string },
  context: CliContext,
): Promise<ToolsReport> {
  const { env, cwd } = context.io;
  const kernel = kernelFor(options, context);
  const detectedPromise = detectKnownClis(env, cwd);
  let config: ResolvedConfig | undefined;
  let problem: string | null = null;
  let dir = '';
  try {
    dir = kernel.configLocation().dir;
    config = await kernel.config();
  } catch (error) {
    problem = firstLine(error);
  }
  const configured: ToolsReport['configured'] = [];
  if (config) {
    const detections = await Promise.all(
      Object.keys(config.tools).map(async (id): Promise<[string, DetectResult | Error]> => {
        try {
          return [id, await kernel.detect(id)];
        } catch (error) {
          return [id, error instanceof Error ? error : new Error(String(error))];
        }
      }),
    );
    for (const [id, detected] of detections) {
      const tool = config.tools[id];
      if (!tool) continue;
      const failed = detected instanceof Error;
      configured.push({
        id,
        adapter: tool.adapter,
        binary: tool.binary,
        installed: !failed && detected.installed,
        path: failed ? null : (detected.path ?? null),
        version: failed ? null : (detected.version ?? null),
        problem: failed ? detected.message : (detected.problem ?? null),
      });
    }
  }
  const detected = await detectedPromise;
  const configuredBinaries = new Set(configured.map((tool) => basename(tool.binary)));
  const configuredIds = new Set(configured.map((tool) => tool.id));
  // The key variables tools read: `env_required`, and the one an HTTP tool (`adapter: openai`) names in `api_key_env`.
  const requiredKeys = config
    ? Object.values(config.tools).flatMap((tool) => {
        const keyVariable: unknown = (tool as { api_key_env?: unknown }).api_key_env;
        return typeof keyVariable === 'string' ? [...tool.env_required, keyVariable] : tool.env_required;
      })
    : [];
  return {
    installed: detected
      .filter((cli) => cli.path !== undefined)
      .map((cli) => ({
        id: cli.tool.id,
        label: cli.tool.label,
        path: cli.path ?? '',
        version: cli.version ?? null,
      })),
    notFound: detected
      .filter((cli) => cli.path === undefined)
      .map((cli) => ({
        id: cli.tool.id,
        label: cli.tool.label,
        binary: cli.tool.binary,
        install: cli.tool.installHint,
      })),
    apiKeys: apiKeysSet(env, requiredKeys),
    config: { dir, problem },
    configured,
    notConfigured: config
      ? detected
          .filter(
            (cli) =>
              cli.path !== undefined &&
              !configuredBinaries.has(cli.tool.binary) &&
              !configuredIds.has(cli.tool.id),
          )
          .map((cli) => ({ id: cli.tool.id, yaml: cli.tool.line }))
      : [],
  };
}

export async function runTools(
  options: { configDir?: string; json?: boolean },
  context: CliContext,
): Promise<number> {
  const report = await collectToolsReport(options, context);
  const { stdout, env } = context.io;
  if (options.json) {
    stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const colors = colorsFor(stdout, env);
  const table = tableOptionsFor(stdout);
  const heading = (text: string) => stdout.write(`\n${colors.bold(text)}\n`);

  heading('LLM CLIs on PATH');
  const rows = [
    ...report.installed.map((cli) => [cli.id, colors.green('installed'), cli.version ?? '?', cli.path]),
    ...report.notFound.map((cli) => [cli.id, colors.dim('not found'), '', `install: ${cli.install}`]),
  ];
  stdout.write(renderTable(['tool', 'status', 'version', 'path'], rows, table));

  heading('API keys set (names only)');
  stdout.write(report.apiKeys.length > 0 ? `  ${report.apiKeys.join(', ')}\n` : '  none of the known ones\n');

  heading(`Configured tools${report.config.dir ? ` (${report.config.dir})` : ''}`);
  if (report.config.problem) {
    stdout.write(`  ${colors.yellow('config not loaded:')} ${report.config.problem}\n`);
    stdout.write('  run `llm-service init` to write one, or pass --config-dir\n');
  } else {
    stdout.write(
      renderTable(
        ['tool', 'adapter', 'status', 'version', 'problem'],
        report.configured.map((tool) => [
          tool.id,
          tool.adapter,
          tool.installed ? colors.green('installed') : colors.red('missing'),
          tool.version ?? '',
          tool.problem ?? '',
        ]),
        table,
      ),
    );
    const missing = report.configured.filter((tool) => !tool.installed);
    if (missing.length > 0)
      stdout.write(
        `  ${colors.yellow('missing:')} ${missing.map((tool) => tool.id).join(', ')} (requests fall back)\n`,
      );
  }
  if (report.notConfigured.length > 0) {
    heading(
      'Installed but not configured: add under `tools:` in tools.yaml (and price the models in models.yaml)',
    );
    for (const tool of report.notConfigured) stdout.write(`  ${tool.yaml}\n`);
  }
  return 0;
}
