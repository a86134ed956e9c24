import { existsSync, readFileSync } from 'node:fs';
import type { SchemaOutput, z } from '@llm-service/spec';

/**
 * The part a plugin needs of a tool's own JSON settings file (Claude Code's `.claude.json`, gemini's `settings.json`),
 * checked with `schema`; undefined when the file is not there, cannot be read, is not JSON or does not fit. Detection
 * only reports: a broken file is the tool's to complain about. `lineComments` drops whole-line `//` comments first,
 * for tools that read their settings as JSON with comments.
 */
export function readJsonSettings<S extends z.ZodType>(
  path: string | undefined,
  schema: S,
  options: { lineComments?: boolean } = {},
): SchemaOutput<S> | undefined {
  if (path === undefined || !existsSync(path)) return undefined;
  try {
    const raw = readFileSync(path, 'utf8');
    const text = options.lineComments ? raw.replace(/^\s*\/\/.*$/gm, '') : raw;
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as SchemaOutput<S>) : undefined;
  } catch {
    return undefined;
  }
}
