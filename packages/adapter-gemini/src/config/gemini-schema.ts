import { lazySchema, maxRetryBaseMs, z } from '@llm-service/spec';

/** The adapter id a tools.yaml entry names (`adapter: gemini`). */
export const GEMINI_ADAPTER_ID = 'gemini';

/**
 * `retry` of a gemini tool. The Gemini CLI retries rate-limited (429) and failing (5xx) requests itself, up to its
 * `general.maxAttempts` setting (default 10, backing off from 5 s to 30 s), and offers no flag or variable for it: set
 * it in ~/.gemini/settings.json to bound them. (Its one settings layer below the user's, the system defaults file, is
 * read only when root owns it and every directory above it, so the adapter cannot supply one per run.) llm-service
 * therefore adds no retries of its own by default: once gemini gives up, the request falls back to the next candidate.
 * `same_tool: true` opts in to llm-service's retries as well (up to `max` more runs of `gemini`, `base_ms` apart and
 * doubling, and after a rate limit not before the `resetsAt` gemini reported), for setups with no fallback.
 */
export const geminiRetrySchema = lazySchema(() =>
  z
    .strictObject({
      max: z.number().int().min(0).max(10).default(2),
      base_ms: z.number().int().min(0).max(maxRetryBaseMs).default(500),
      same_tool: z.boolean().default(false),
    })
    .default({ max: 2, base_ms: 500, same_tool: false }),
);

/** Keys of a tools.yaml entry with `adapter: gemini` beyond the core fields; `retry` replaces the core one. */
export const geminiToolSchema = lazySchema(() => z.strictObject({ retry: geminiRetrySchema }));
export type GeminiToolSettings = z.output<typeof geminiToolSchema>;

/** `--approval-mode` values, as `gemini --help` (0.61.0) lists them; a test checks them against the binary. */
export const approvalModes = ['default', 'auto_edit', 'yolo', 'plan'] as const;
export type ApprovalMode = (typeof approvalModes)[number];

/** A value that begins with `-` would be read by `gemini` as another flag. */
const notAFlag = (what: string) =>
  z
    .string()
    .min(1)
    .refine((value) => !value.startsWith('-'), { message: `${what} must not start with '-'` });

/** `agents.<agent>.adapter_options.gemini`: flags passed on to the Gemini CLI for that agent. */
export const geminiAgentOptionsSchema = lazySchema(() =>
  z.strictObject({
    /**
     * `--approval-mode`: `default` (tools that need approval are refused in a headless run), `auto_edit` (edits run
     * without asking), `yolo` (every tool runs without asking), `plan` (read-only).
     */
    approval_mode: z.enum(approvalModes).optional(),
    /** `--sandbox`: run gemini's tools in its sandbox (`true`), or explicitly not (`false`). */
    sandbox: z.boolean().optional(),
    /** More directories in gemini's workspace (`--include-directories`), relative to the config directory. */
    include_directories: z.array(notAFlag('a directory')).optional(),
    /** The extensions to load (`--extensions`); absent loads all installed ones, `["none"]` loads none. */
    extensions: z.array(notAFlag('an extension name')).optional(),
    /** MCP servers gemini may use (`--allowed-mcp-server-names`). */
    allowed_mcp_server_names: z.array(notAFlag('a server name')).optional(),
    /** Policy files or directories for gemini's policy engine (`--policy`), relative to the config directory. */
    policy_files: z.array(notAFlag('a policy path')).optional(),
  }),
);
export type GeminiAgentOptions = z.output<typeof geminiAgentOptionsSchema>;
