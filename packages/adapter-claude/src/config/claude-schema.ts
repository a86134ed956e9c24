import { z } from '@llm-service/core';

/** The adapter id a tools.yaml entry names (`adapter: claude`). */
export const CLAUDE_ADAPTER_ID = 'claude';

/** Extra keys of a tools.yaml entry with `adapter: claude`: none yet beyond the core fields. */
export const claudeToolSchema = z.strictObject({});

/** `agents.<agent>.adapter_options.claude`: flags passed on to Claude Code for that agent. */
export const claudeAgentOptionsSchema = z
  .strictObject({
    /** Text added to Claude Code's system prompt (`--append-system-prompt`). */
    append_system_prompt: z.string().optional(),
    /** A file, relative to the config directory, whose text is added to the system prompt. */
    append_system_prompt_file: z.string().min(1).optional(),
    /** Tools Claude Code may use without asking (`--allowedTools`), e.g. `[Read, Grep]`. */
    allowed_tools: z.array(z.string().min(1)).optional(),
    /** `--permission-mode`. */
    permission_mode: z.enum(['default', 'acceptEdits', 'bypassPermissions', 'plan']).optional(),
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
  );

export type ClaudeAgentOptions = z.output<typeof claudeAgentOptionsSchema>;
