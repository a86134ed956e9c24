import { lazySchema, maxRetryBaseMs, z } from '@llm-service/spec';

/** The adapter id a tools.yaml entry names (`adapter: claude`). */
export const CLAUDE_ADAPTER_ID = 'claude';

/** Claude Code's own retries of 429 / 529 / 5xx when a tool entry says nothing: a bound, not its default of 10. */
export const defaultClaudeRetries = 2;

/**
 * `retry` of a claude tool. Claude Code already retries rate-limited and overloaded requests with its own backoff,
 * so `max` bounds those retries (it becomes `CLAUDE_CODE_MAX_RETRIES`) instead of adding ours on top; once they are
 * spent the request falls back to the next candidate. `same_tool: true` opts in to llm-service's own retries as
 * well (up to `max` more runs of `claude`, `base_ms` apart and doubling), for setups with no fallback.
 */
export const claudeRetrySchema = lazySchema(() =>
  z
    .strictObject({
      max: z.number().int().min(0).max(10).default(defaultClaudeRetries),
      base_ms: z.number().int().min(0).max(maxRetryBaseMs).default(500),
      same_tool: z.boolean().default(false),
    })
    .default({ max: defaultClaudeRetries, base_ms: 500, same_tool: false }),
);

/** Keys of a tools.yaml entry with `adapter: claude` beyond the core fields; `retry` replaces the core one. */
export const claudeToolSchema = lazySchema(() => z.strictObject({ retry: claudeRetrySchema }));

export type ClaudeToolSettings = z.output<typeof claudeToolSchema>;

/**
 * `--permission-mode` values. All but `default` are the choices `claude --help` lists (2.1.328); `default` is the
 * older name of `manual`, which Claude Code still accepts (checked against the installed binary by a test).
 */
export const permissionModes = [
  'default',
  'manual',
  'acceptEdits',
  'plan',
  'dontAsk',
  'auto',
  'bypassPermissions',
] as const;
export type PermissionMode = (typeof permissionModes)[number];

/** A value that begins with `-` would be read by `claude` as another flag. */
const notAFlag = (what: string) =>
  z
    .string()
    .min(1)
    .refine((value) => !value.startsWith('-'), { message: `${what} must not start with '-'` });

/** `agents.<agent>.adapter_options.claude`: flags passed on to Claude Code for that agent. */
export const claudeAgentOptionsSchema = lazySchema(() =>
  z
    .strictObject({
      /** Text added to Claude Code's system prompt (`--append-system-prompt`). */
      append_system_prompt: z.string().optional(),
      /** A file, relative to the config directory, whose text is added to the system prompt. */
      append_system_prompt_file: z.string().min(1).optional(),
      /** Tools (or permission rules such as `Bash(git diff *)`) Claude Code may use without asking (`--allowed-tools`). */
      allowed_tools: z.array(notAFlag('a tool name')).optional(),
      /** `--permission-mode`. */
      permission_mode: z.enum(permissionModes).optional(),
      /** More directories Claude Code may access (`--add-dir`), relative to the config directory. */
      add_dirs: z.array(z.string().min(1)).optional(),
    })
    .refine(
      (options) =>
        options.append_system_prompt === undefined || options.append_system_prompt_file === undefined,
      {
        message: 'give append_system_prompt or append_system_prompt_file, not both',
        path: ['append_system_prompt_file'],
      },
    ),
);

export type ClaudeAgentOptions = z.output<typeof claudeAgentOptionsSchema>;
