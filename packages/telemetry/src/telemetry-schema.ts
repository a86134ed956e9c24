import { z } from '@llm-service/spec';

/** The `telemetry:` section of llm-service.yaml (DESIGN section 5). */
export const telemetrySectionSchema = z.strictObject({
  /** SQLite database; defaults to `$XDG_DATA_HOME/llm-service/telemetry.db`. */
  db_path: z.string().min(1).optional(),
  /** Keep prompt and answer text in sinks; off by default, so only hashes and counts are recorded. */
  capture_content: z.boolean().default(false),
  /** Also append one event a line to this file. */
  jsonl_path: z.string().min(1).optional(),
  /** Rotate the JSONL file when it would grow past this many bytes (default 50 MiB). */
  jsonl_max_bytes: z.number().int().min(4096).optional(),
  /** Rotated JSONL files kept beside the current one (default 5). */
  jsonl_max_files: z.number().int().min(1).max(100).optional(),
});

export type TelemetrySection = z.output<typeof telemetrySectionSchema>;
