import { lazySchema, z } from '@llm-service/spec';

/** The `telemetry:` section of llm-service.yaml (DESIGN section 5). */
export const telemetrySectionSchema = lazySchema(() =>
  z.strictObject({
    /**
     * Where attempts, spend and plan windows are kept: `sqlite` (the default, one file a machine) or the kind of a
     * store plugin, such as `postgres` (`@llm-service/store-postgres`, one database a team).
     */
    store: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, "a store kind: sqlite, postgres, or a store plugin's")
      .default('sqlite'),
    /** The database URL of a store plugin, usually `${LLM_SERVICE_DATABASE_URL}` so no password is in the file. */
    url: z.string().min(1).optional(),
    /** SQLite database; defaults to `$XDG_DATA_HOME/llm-service/telemetry.db`. */
    db_path: z.string().min(1).optional(),
    /**
     * How long a budget reservation of a process on another machine counts without word from it (default 60 s): its
     * holder renews it a third of the way through, so a machine that crashed frees its share of a budget within this.
     */
    reservation_lease_s: z.number().int().min(3).max(3600).optional(),
    /** Keep prompt and answer text in sinks; off by default, so only hashes and counts are recorded. */
    capture_content: z.boolean().default(false),
    /** Also append one event a line to this file. */
    jsonl_path: z.string().min(1).optional(),
    /** Rotate the JSONL file when it would grow past this many bytes (default 50 MiB). */
    jsonl_max_bytes: z.number().int().min(4096).optional(),
    /** Rotated JSONL files kept beside the current one (default 5). */
    jsonl_max_files: z.number().int().min(1).max(100).optional(),
  }),
);

export type TelemetrySection = z.output<typeof telemetrySectionSchema>;
