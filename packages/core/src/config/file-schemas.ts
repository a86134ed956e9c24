import { configVersionSchema as version, identifierSchema as identifier, z } from '@llm-service/spec';

/**
 * The frames of the three core files: each entry is validated on its own after the frame, so one broken agent, tool or
 * model does not hide the problems of the others.
 */
export const agentsFileFrameSchema = z.strictObject({
  version,
  agents: z.record(identifier, z.unknown()),
});

export const toolsFileSchema = z.strictObject({
  version,
  /** Each entry is checked against its adapter's full schema after plugins have loaded. */
  tools: z.record(identifier, z.record(z.string(), z.unknown())),
});

export const modelsFileFrameSchema = z.strictObject({
  version,
  prices_as_of: z.union([z.string(), z.date()]).optional(),
  models: z.record(z.string(), z.unknown()),
});

/** The core keys of `llm-service.yaml`; plugins add top-level sections (e.g. `telemetry:`). */
export const coreSettingsShape = {
  version,
  plugins: z.array(z.string().min(1)).default([]),
};
