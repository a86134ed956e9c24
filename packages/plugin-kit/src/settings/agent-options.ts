import type { z } from '@llm-service/spec';

/** Each schema's defaults, parsed once: a schema is a module-level constant, so this holds a handful of entries. */
const defaultsBySchema = new WeakMap<z.ZodType, unknown>();

/**
 * The adapter options a request runs with: the agent's `adapter_options.<adapter>` (validated at load by `schema`),
 * or, for an agent that sets none, the schema's defaults.
 */
export function agentOptionsOrDefaults<T>(options: T | undefined, schema: z.ZodType<T>): T {
  if (options !== undefined) return options;
  if (!defaultsBySchema.has(schema)) defaultsBySchema.set(schema, schema.parse({}));
  return defaultsBySchema.get(schema) as T;
}
