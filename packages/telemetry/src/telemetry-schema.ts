import { z } from '@llm-service/core';

/** The `telemetry:` section of llm-service.yaml (DESIGN section 5). */
export const telemetrySectionSchema = z.strictObject({
  /** SQLite database; defaults to `$XDG_DATA_HOME/llm-service/telemetry.db`. */
  db_path: z.string().min(1).optional(),
  /** Keep prompt and answer text in sinks; off by default, so only hashes and counts are recorded. */
  capture_content: z.boolean().default(false),
  /** Also append one event a line to this file. */
  jsonl_path: z.string().min(1).optional(),
});

export type TelemetrySection = z.output<typeof telemetrySectionSchema>;
