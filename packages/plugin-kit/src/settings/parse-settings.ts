import { UsageError, type SchemaOutput, type z } from '@llm-service/spec';

/** zod's issues as one line: `message (at a.b)`, joined with `; `. */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${issue.message} (at ${path})` : issue.message;
    })
    .join('; ');
}

/**
 * Parses settings that did not come through the config loader (a command's options, a library caller's object)
 * against a plugin's own schema, with one clear line on failure: what, where, and the problems. Settings from the
 * configuration need no such call: the kernel validated them once, at load (`context.settings`).
 */
export function parseSettings<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
  error: (message: string) => Error = (message) => new UsageError(message),
): SchemaOutput<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as SchemaOutput<S>;
  throw error(`${where} is invalid: ${describeIssues(parsed.error.issues)}`);
}
