import { dirname, isAbsolute, resolve } from 'node:path';
import { lazySchema, z, type ConfigCheckProblem, type ResolvedConfig } from '@llm-service/spec';
import { closestMatch, parseSettings } from '@llm-service/plugin-kit';

/** The work directory when neither `--work-dir` nor `tasks.work_dir` names one: relative to the config directory. */
export const DEFAULT_WORK_DIR = 'work/collaboration';
export const DEFAULT_MAX_HANDOFFS = 10;

/** The `tasks:` section of llm-service.yaml. */
export const tasksSectionSchema = lazySchema(() =>
  z.strictObject({
    /** The work directory, relative to the config directory (default `work/collaboration`). */
    work_dir: z.string().min(1).optional(),
    /**
     * A prompt template file per agent (relative to the config directory), from which the runner builds its prompts.
     */
    templates: z.record(z.string(), z.string().min(1)).optional(),
    /** How many hand-offs (a task's `next_agent` creating the next task) one chain may make. */
    max_handoffs: z.number().int().min(0).max(1000).default(DEFAULT_MAX_HANDOFFS),
  }),
);
export type TasksSection = z.output<typeof tasksSectionSchema>;

export interface TaskSettings {
  /** Absolute. */
  workDir: string;
  /** Absolute: the directory that holds the config directory. */
  projectDir: string;
  /** Agent → absolute template path. */
  templates: Readonly<Record<string, string>>;
  maxHandoffs: number;
}

/** The validated `tasks:` section of a configuration (its defaults when there is none). */
export function tasksSectionOf(config: ResolvedConfig): TasksSection {
  return parseSettings(tasksSectionSchema, config.settings.tasks ?? {}, 'llm-service.yaml tasks');
}

/**
 * The absolute work directory: `flag` (a command's `--work-dir`), else `tasks.work_dir`, else `work/collaboration`,
 * each relative to the config directory (as the dashboard's `--work-dir` always was), unless absolute.
 */
export function resolveWorkDir(config: ResolvedConfig, flag?: string): string {
  const chosen = flag ?? tasksSectionOf(config).work_dir ?? DEFAULT_WORK_DIR;
  return isAbsolute(chosen) ? chosen : resolve(config.dir, chosen);
}

/**
 * The project `context.files` belong to: the directory that holds the config directory (the repository for
 * `./.llm-service/`, `examples/` for `--config-dir examples/quick-start`). A task may name files inside it only.
 */
export function resolveProjectDir(config: ResolvedConfig): string {
  return dirname(resolve(config.dir));
}

/** Everything the tasks plugin reads from a configuration, resolved. */
export function resolveTaskSettings(config: ResolvedConfig, flags: { workDir?: string } = {}): TaskSettings {
  const section = tasksSectionOf(config);
  return {
    workDir: resolveWorkDir(config, flags.workDir),
    projectDir: resolveProjectDir(config),
    templates: Object.fromEntries(
      Object.entries(section.templates ?? {}).map(([agent, path]) => [
        agent,
        isAbsolute(path) ? path : resolve(config.dir, path),
      ]),
    ),
    maxHandoffs: section.max_handoffs,
  };
}

/** The config check: `tasks.templates` names agents of agents.yaml. */
export function checkTasksSection(config: ResolvedConfig): ConfigCheckProblem[] {
  const parsed = tasksSectionSchema.safeParse(config.settings.tasks ?? {});
  if (!parsed.success) return [];
  const agents = Object.keys(config.agents);
  return Object.keys(parsed.data.templates ?? {})
    .filter((agent) => !agents.includes(agent))
    .map((agent) => {
      const match = closestMatch(agent, agents);
      return {
        file: 'llm-service.yaml',
        path: ['tasks', 'templates', agent],
        message: `unknown agent '${agent}'`,
        suggestion: match
          ? `did you mean '${match}'? Known agents: ${agents.join(', ')}`
          : `Known agents: ${agents.join(', ')}`,
      };
    });
}
