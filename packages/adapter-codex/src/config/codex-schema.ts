import { lazySchema, maxRetryBaseMs, z } from '@llm-service/spec';

/** The adapter id a tools.yaml entry names (`adapter: codex`). */
export const CODEX_ADAPTER_ID = 'codex';

/**
 * `retry` of a codex tool. codex already retries failed requests and broken streams itself (0.169.0: up to 4 request
 * retries inside each of up to 5 stream retries, following `retry-after`), and those retries are set in its own
 * provider config, not on its command line. So llm-service adds none of its own by default: once codex gives up, the
 * request falls back to the next candidate. `same_tool: true` opts in to llm-service's own retries as well (up to
 * `max` more runs of `codex`, `base_ms` apart and doubling, or until a rate limit's stated reset), for setups with
 * no fallback.
 */
export const codexRetrySchema = lazySchema(() =>
  z
    .strictObject({
      max: z.number().int().min(0).max(10).default(1),
      base_ms: z.number().int().min(0).max(maxRetryBaseMs).default(500),
      same_tool: z.boolean().default(false),
    })
    .default({ max: 1, base_ms: 500, same_tool: false }),
);

/** Keys of a tools.yaml entry with `adapter: codex` beyond the core fields; `retry` replaces the core one. */
export const codexToolSchema = lazySchema(() => z.strictObject({ retry: codexRetrySchema }));
export type CodexToolSettings = z.output<typeof codexToolSchema>;

/** `--sandbox` values of `codex exec --help` (0.169.0); a test checks them against the installed binary. */
export const sandboxModes = ['read-only', 'workspace-write', 'danger-full-access'] as const;
export type SandboxMode = (typeof sandboxModes)[number];

/**
 * How approval requests are handled. `codex exec` runs without a terminal and never asks: 0.169.0 fixes its
 * `approval_policy` at `never` (a `-c approval_policy=on-request` is ignored, `untrusted` is refused), so the choice is
 * between that (`never`: a command that would need approval is refused and the model is told) and `auto-review`
 * (`--approve-for-me`: requests go to codex's automatic reviewer, in the workspace-write sandbox). A test checks both
 * against the installed binary.
 */
export const approvalPolicies = ['never', 'auto-review'] as const;
export type ApprovalPolicy = (typeof approvalPolicies)[number];

/** A value that begins with `-` would be read by `codex` as another flag. */
const notAFlag = (what: string) =>
  z
    .string()
    .min(1)
    .refine((value) => !value.startsWith('-'), { message: `${what} must not start with '-'` });

/** A dotted config key as `-c` takes it (`model_reasoning_effort`, `shell_environment_policy.inherit`). */
export const configKeyPattern = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/** `-c` values: TOML scalars or arrays of them, written out by the adapter as TOML so no quoting is left to users. */
const configValueSchema = lazySchema(() =>
  z.union([
    z.string(),
    z.number().finite(),
    z.boolean(),
    z.array(z.union([z.string(), z.number().finite(), z.boolean()])),
  ]),
);
export type CodexConfigValue = z.output<typeof configValueSchema>;

/** `agents.<agent>.adapter_options.codex`: how codex runs for that agent. */
export const codexAgentOptionsSchema = lazySchema(() =>
  z
    .strictObject({
      /** `--sandbox`: what model-generated shell commands may touch. */
      sandbox: z.enum(sandboxModes).optional(),
      /** `never` (codex exec's own default) or `auto-review` (`--approve-for-me`). */
      approval_policy: z.enum(approvalPolicies).optional(),
      /**
       * `--dangerously-bypass-approvals-and-sandbox`: commands run unsandboxed and unasked. Only for agents that already
       * run inside an outer sandbox (a container, a VM); it excludes `sandbox` and `approval_policy`.
       */
      dangerously_bypass_approvals_and_sandbox: z.boolean().optional(),
      /** `--cd`: the agent's working root, relative to the config directory. */
      working_directory: z.string().min(1).optional(),
      /** `--profile`: layers `$CODEX_HOME/<name>.config.toml` over the user's config. */
      profile: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a profile name: letters, digits, ".", "_" and "-"')
        .optional(),
      /** More writable directories (`--add-dir`), relative to the config directory. */
      add_dirs: z.array(notAFlag('a directory')).optional(),
      /** Extra `-c key=value` overrides, one per key, e.g. `{ model_reasoning_effort: high }`. */
      config: z
        .record(
          z.string().regex(configKeyPattern, 'a dotted codex config key such as model_reasoning_effort'),
          configValueSchema,
        )
        .optional(),
    })
    .superRefine((options, context) => {
      // codex refuses `--sandbox` beside `--approve-for-me`, which sets the workspace-write sandbox itself.
      if (options.approval_policy === 'auto-review' && options.sandbox !== undefined) {
        context.addIssue({
          code: 'custom',
          message: 'approval_policy auto-review runs in the workspace-write sandbox: leave sandbox out',
          path: ['sandbox'],
        });
      }
      if (options.dangerously_bypass_approvals_and_sandbox === true) {
        for (const key of ['sandbox', 'approval_policy'] as const) {
          if (options[key] !== undefined)
            context.addIssue({
              code: 'custom',
              message: `${key} has no effect with dangerously_bypass_approvals_and_sandbox: give one or the other`,
              path: [key],
            });
        }
      }
      // The model is the route's (`--model`), and these two have their own options: one place to set each.
      const owned: Record<string, string> = {
        model: 'the model comes from the agent’s route',
        approval_policy: 'codex exec fixes it at never; use the approval_policy option',
        sandbox_mode: 'use the sandbox option',
        model_provider: 'set the provider in codex’s config.toml or a profile',
      };
      for (const key of Object.keys(options.config ?? {})) {
        const why = owned[key];
        if (why !== undefined)
          context.addIssue({
            code: 'custom',
            message: `config.${key} is not taken here: ${why}`,
            path: ['config', key],
          });
      }
    }),
);
export type CodexAgentOptions = z.output<typeof codexAgentOptionsSchema>;
