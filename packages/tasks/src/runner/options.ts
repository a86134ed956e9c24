import { lazySchema, UsageError, z, type ResolvedConfig } from '@llm-service/spec';
import { closestMatch, readRegularFile } from '@llm-service/plugin-kit';
import type { TaskSettings } from '../settings.js';
import { checkTemplate } from './prompt.js';

export type RunMode = 'drain' | 'once' | 'watch';

/** `tasks run`'s flags, checked. */
export interface RunOptions {
  /** Only these agents' tasks (empty: every agent's). */
  agents: string[];
  concurrency: number;
  /** `drain` (the default): until no runnable task remains; `once`: what is runnable at the start; `watch`. */
  mode: RunMode;
  maxTasks: number | undefined;
  dryRun: boolean;
  json: boolean;
  /** As given: resolved against the config directory. */
  workDir: string | undefined;
}

export const MAX_CONCURRENCY = 64;

const rawOptions = lazySchema(() =>
  z.looseObject({
    agent: z.union([z.string(), z.array(z.string())]).optional(),
    concurrency: z.union([z.string(), z.number()]).optional(),
    once: z.boolean().optional(),
    watch: z.boolean().optional(),
    maxTasks: z.union([z.string(), z.number()]).optional(),
    dryRun: z.boolean().optional(),
    json: z.boolean().optional(),
    workDir: z.string().optional(),
  }),
);

function wholeNumber(
  flag: string,
  value: string | number | undefined,
  min: number,
  max: number,
  example: string,
) {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const number = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(number >= min && number <= max))
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not '${text}'`, {
      hint: `e.g. ${flag} ${example}`,
    });
  return number;
}

/** The flags as commander gives them (camelCase keys), checked; every problem is a usage error (exit 2). */
export function parseRunOptions(options: Readonly<Record<string, unknown>>): RunOptions {
  const parsed = rawOptions.safeParse(options);
  if (!parsed.success)
    throw new UsageError(
      `tasks run: unexpected option values (${parsed.error.issues[0]?.message ?? 'invalid'})`,
    );
  const raw = parsed.data;
  if (raw.once && raw.watch)
    throw new UsageError('give either --once or --watch, not both', {
      hint: '--once runs what is runnable now; --watch keeps picking up new tasks until Ctrl-C',
    });
  if (raw.dryRun && raw.watch)
    throw new UsageError('--dry-run lists what would run now; it cannot --watch', {
      hint: 'leave out --watch (or --dry-run)',
    });
  const agents = (Array.isArray(raw.agent) ? raw.agent : raw.agent === undefined ? [] : [raw.agent])
    .flatMap((each) => each.split(','))
    .map((each) => each.trim())
    .filter((each) => each !== '');
  return {
    agents: [...new Set(agents)],
    concurrency: wholeNumber('--concurrency', raw.concurrency, 1, MAX_CONCURRENCY, '4') ?? 1,
    mode: raw.watch ? 'watch' : raw.once ? 'once' : 'drain',
    maxTasks: wholeNumber('--max-tasks', raw.maxTasks, 1, 1_000_000, '10'),
    dryRun: raw.dryRun === true,
    json: raw.json === true,
    workDir: raw.workDir,
  };
}

/** Refuses an `--agent` that agents.yaml does not define, with a did-you-mean. */
export function checkAgents(agents: readonly string[], config: ResolvedConfig): void {
  const known = Object.keys(config.agents);
  for (const agent of agents) {
    if (known.includes(agent)) continue;
    const near = closestMatch(agent, known);
    throw new UsageError(
      `--agent '${agent}' is not an agent of ${config.dir}/agents.yaml${near ? `; did you mean '${near}'?` : ''}`,
      { hint: `known agents: ${known.join(', ') || 'none'}` },
    );
  }
}

/** What the runner reads from the `tasks:` section of llm-service.yaml, resolved (see ../settings.ts). */
export interface RunnerSettings {
  /** The agents' own prompt templates (`tasks.templates.<agent>`), read and checked. */
  templates: ReadonlyMap<string, string>;
  /** How many hand-offs one pipeline may make (`tasks.max_handoffs`, default 10). */
  maxHandoffs: number;
  /** The directory context paths are relative to: the one holding the config directory. */
  projectDir: string;
}

const MAX_TEMPLATE_BYTES = 256 * 1024;

/** Reads and checks the templates `tasks.templates` names; a problem is a usage error (exit 2). */
export function loadRunnerSettings(config: ResolvedConfig, settings: TaskSettings): RunnerSettings {
  const templates = new Map<string, string>();
  for (const [agent, path] of Object.entries(settings.templates)) {
    const where = `${config.dir}/llm-service.yaml: tasks.templates.${agent}`;
    if (!Object.hasOwn(config.agents, agent)) {
      const near = closestMatch(agent, Object.keys(config.agents));
      throw new UsageError(
        `${where}: '${agent}' is not an agent of agents.yaml${near ? `; did you mean '${near}'?` : ''}`,
      );
    }
    const read = readRegularFile(path, { maxBytes: MAX_TEMPLATE_BYTES });
    if (!read.ok)
      throw new UsageError(`${where}: cannot read the template ${path}: ${read.message}`, {
        hint: 'name a text file, relative to the config directory',
      });
    const source = read.bytes.toString('utf8');
    const problems = checkTemplate(source, path);
    if (problems.length > 0)
      throw new UsageError(
        problems.length === 1 ? problems[0]! : `${problems[0]!} (and ${problems.length - 1} more)`,
      );
    templates.set(agent, source);
  }
  return { templates, maxHandoffs: settings.maxHandoffs, projectDir: settings.projectDir };
}
