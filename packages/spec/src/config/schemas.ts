import * as z from '../schema/zod.js';
import { lazySchema } from '../schema/lazy-schema.js';

// Every schema here is built on first use (see lazySchema): a run whose configuration comes from the config cache
// builds none of them.

/** `${VAR}` references are resolved before validation, so schemas see plain values. */
export const configVersionSchema = lazySchema(() =>
  z.literal(1, { error: 'expected `version: 1` (the only config version this release reads)' }),
);

/** The longest timeout a tool may have: what Node's timers can wait, in whole seconds (24 days). */
export const maxTimeoutSeconds = Math.floor((2 ** 31 - 1) / 1000);

/** The longest first wait between same-tool retries (ten minutes): it doubles with each retry. */
export const maxRetryBaseMs = 600_000;

/** The name of an agent or tool. */
export const identifierSchema = lazySchema(() =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a name of letters, digits, ".", "_" or "-"'),
);

export const taskTypeRouteSchema = lazySchema(() =>
  z.strictObject({
    tool: z.string().optional(),
    model: z.string().optional(),
  }),
);

export const agentSchema = lazySchema(() =>
  z.strictObject({
    description: z.string().optional(),
    preferred_tool: z.string(),
    preferred_model: z.string().optional(),
    fallback_chain: z.array(z.string()).default([]),
    task_types: z.record(z.string(), taskTypeRouteSchema).default({}),
    /** Validated per adapter id by the adapter's plugin. */
    adapter_options: z.record(z.string(), z.unknown()).default({}),
  }),
);

/** Fields every tool has, whatever its adapter; adapters add their own keys on top (plugin `configSchema.tool`). */
export const coreToolShape = lazySchema(() => ({
  adapter: z.string().default('generic-yaml'),
  binary: z.string().min(1),
  models: z.array(z.string()).min(1, 'expected at least one model the tool can run'),
  // Node's timers take at most 2^31 - 1 ms (about 24.8 days); a longer timeout would fire at once.
  timeout_s: z.number().positive().max(maxTimeoutSeconds).default(600),
  env: z.record(z.string(), z.string()).default({}),
  env_required: z.array(z.string()).default([]),
  cwd: z.string().optional(),
  retry: z
    .strictObject({
      max: z.number().int().min(0).max(10),
      base_ms: z.number().int().min(0).max(maxRetryBaseMs).default(500),
    })
    .default({ max: 0, base_ms: 500 }),
  description: z.string().optional(),
  /**
   * How the tool is paid for (plugin API 1.9): `api` (by the token) or `subscription` (within a plan's windows). Dollar
   * budgets count `api` attempts only, unless a budget says `count: all`; every attempt still records its list price.
   */
  billing: z.enum(['api', 'subscription']).default('api'),
}));

export const modelSchema = lazySchema(() => {
  const pricePerMillion = z.number().min(0);
  return z.strictObject({
    provider: z.string().optional(),
    input_per_mtok: pricePerMillion,
    output_per_mtok: pricePerMillion,
    cache_read_per_mtok: pricePerMillion.optional(),
    cache_write_per_mtok: pricePerMillion.optional(),
    context_window: z.number().int().positive().optional(),
    tier: z.enum(['economy', 'standard', 'premium']).optional(),
  });
});

export type AgentConfig = z.output<typeof agentSchema>;
export type ModelPrice = z.output<typeof modelSchema>;
export type TaskTypeRoute = z.output<typeof taskTypeRouteSchema>;

/** A tool entry after validation: the core fields plus whatever its adapter's schema added. */
export type ToolConfig = z.output<z.ZodObject<typeof coreToolShape>> & { readonly [key: string]: unknown };
