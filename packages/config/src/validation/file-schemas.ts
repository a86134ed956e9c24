import { basename, dirname } from 'node:path';
import {
  configVersionSchema as version,
  identifierSchema as identifier,
  lazySchema,
  z,
} from '@llm-service/spec';

/**
 * The frames of the three core files: each entry is validated on its own after the frame, so one broken agent, tool or
 * model does not hide the problems of the others.
 */
export const agentsFileFrameSchema = lazySchema(() =>
  z.strictObject({
    version,
    agents: z.record(identifier, z.unknown()),
  }),
);

export const toolsFileSchema = lazySchema(() =>
  z.strictObject({
    version,
    /** Each entry is checked against its adapter's full schema after plugins have loaded. */
    tools: z.record(identifier, z.record(z.string(), z.unknown())),
  }),
);

export const modelsFileFrameSchema = lazySchema(() =>
  z.strictObject({
    version,
    prices_as_of: z.union([z.string(), z.date()]).optional(),
    models: z.record(z.string(), z.unknown()),
  }),
);

/** The core keys of `llm-service.yaml`; plugins add top-level sections (e.g. `telemetry:`). */
export const coreSettingsShape = lazySchema(() => ({
  version,
  plugins: z.array(z.string().min(1)).default([]),
  /** The project requests are recorded under; see `projectOf`. */
  project: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'expected a project name of 1-64 letters, digits, `.`, `_` or `-`')
    .optional(),
}));

/**
 * The project of a config directory: `project:` of its llm-service.yaml; else the name of the directory that holds a
 * `.llm-service/` directory (the repository a team shares); else `default` (the user's own config, an example).
 */
export function projectOf(dir: string, configured: string | undefined): string {
  if (configured !== undefined) return configured;
  if (basename(dir) !== '.llm-service') return 'default';
  const holder = basename(dirname(dir));
  return holder === '' ? 'default' : holder;
}
