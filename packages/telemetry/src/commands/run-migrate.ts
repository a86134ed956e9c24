import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomicSync } from '@llm-service/plugin-kit';
import {
  lazySchema,
  z,
  telemetryStoreProviderToken,
  UsageError,
  type AttemptRowV1,
  type CommandInput,
  type TelemetryStoreV1,
} from '@llm-service/spec';
import { resolveUserPath } from '../store/paths.js';
import { SqliteTelemetryStore } from '../sqlite/sqlite-store.js';
import { formatInteger } from './format.js';
import { commandProject, commandSettings } from './settings.js';

/** Attempts copied a batch: one transaction in the target each, so an interrupted copy loses at most one batch. */
const batchRows = 1_000;

export interface MigrateProgress {
  copied: number;
  total: number;
}

/**
 * Copies every attempt of `from` into `to`, in key order, a batch at a time. Safe to run again and to resume after an
 * interruption: the target keeps one row an attempt, so rows already there are written again unchanged. The prompt
 * hashes keep the source's key (a history's prompts stay comparable with each other).
 */
export async function copyAttempts(
  from: TelemetryStoreV1,
  to: TelemetryStoreV1,
  onProgress: (progress: MigrateProgress) => void = () => undefined,
  checkpoint?: Checkpoint,
  pageRows = batchRows,
): Promise<MigrateProgress> {
  const total = await from.count();
  const resumed = checkpoint?.read();
  let copied = resumed?.copied ?? 0;
  let after = resumed?.after;
  onProgress({ copied, total });
  for (;;) {
    const rows: AttemptRowV1[] = await from.exportAttempts(after, pageRows);
    if (rows.length === 0) break;
    await to.write(rows.map((row) => ({ kind: 'end' as const, row })));
    copied += rows.length;
    const last = rows[rows.length - 1]!;
    after = { invocationId: last.invocationId, attempt: last.attempt };
    checkpoint?.write({ after, copied });
    onProgress({ copied, total: Math.max(total, copied) });
  }
  checkpoint?.clear();
  return { copied, total: Math.max(total, copied) };
}

const checkpointSchema = lazySchema(() =>
  z.strictObject({
    after: z.strictObject({ invocationId: z.string(), attempt: z.number().int() }),
    copied: z.number().int().min(0),
  }),
);

type CheckpointState = z.output<typeof checkpointSchema>;

/**
 * Where an interrupted copy resumes: the last key copied, in a file beside the source, one a target (named by a hash
 * of its URL, which is never written out). Removed once a copy completes, so the next run copies everything again.
 */
export class Checkpoint {
  readonly path: string;

  constructor(sourcePath: string, targetUrl: string) {
    const key = createHash('sha256').update(targetUrl).digest('hex').slice(0, 16);
    this.path = `${sourcePath}.migrate-${key}.json`;
  }

  read(): CheckpointState | undefined {
    try {
      const parsed = checkpointSchema.safeParse(JSON.parse(readFileSync(this.path, 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  write(state: CheckpointState): void {
    writeFileAtomicSync(this.path, JSON.stringify(state), { mode: 0o600 });
  }

  clear(): void {
    rmSync(this.path, { force: true });
  }
}

/** A one-line bar on a terminal: `[########------] 57% 5,700 of 10,000`. */
function drawBar(progress: MigrateProgress): string {
  const fraction = progress.total === 0 ? 1 : progress.copied / progress.total;
  const width = 30;
  const filled = Math.round(fraction * width);
  return (
    `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(fraction * 100)}% ` +
    `${formatInteger(progress.copied)} of ${formatInteger(progress.total)} attempts`
  );
}

export async function runMigrate(input: CommandInput): Promise<number> {
  const options = input.options as { to?: string; url?: string; from?: string };
  if (options.to === undefined || options.to === 'sqlite') {
    throw new UsageError('telemetry migrate needs --to with a shared store, e.g. --to postgres', {
      hint: 'LLM_SERVICE_DATABASE_URL=postgres://… llm-service telemetry migrate --to postgres',
    });
  }
  const settings = await commandSettings(input);
  const fromPath = options.from ? resolveUserPath(options.from, process.cwd(), process.env) : settings.dbPath;
  if (!existsSync(fromPath)) {
    input.io.stdout.write(`Nothing to migrate: no telemetry database at ${fromPath}.\n`);
    return 0;
  }
  const url =
    options.url ??
    (settings.store === options.to ? settings.url : undefined) ??
    process.env.LLM_SERVICE_DATABASE_URL;
  if (url === undefined) {
    throw new UsageError(`telemetry migrate --to ${options.to} needs the database's URL`, {
      hint: 'set LLM_SERVICE_DATABASE_URL, or telemetry.url in llm-service.yaml, or pass --url',
    });
  }
  const kernel = await input.kernel();
  const provider = await kernel.service(telemetryStoreProviderToken(options.to));
  if (!provider) {
    throw new UsageError(`no loaded plugin provides the '${options.to}' telemetry store`, {
      hint: 'install @llm-service/store-postgres and add it to plugins: in llm-service.yaml',
    });
  }
  const config = await kernel.config();
  const source = new SqliteTelemetryStore({ path: fromPath, create: false });
  const target = provider.open({ url, project: await commandProject(input), configDir: config.dir });
  const bar = input.io.interactive;
  try {
    const result = await copyAttempts(
      source,
      target,
      (progress) => {
        if (bar) input.io.stderr.write(drawBar(progress));
      },
      new Checkpoint(fromPath, url),
    );
    if (bar) input.io.stderr.write('\n');
    input.io.stdout.write(
      `Copied ${formatInteger(result.copied)} attempt${result.copied === 1 ? '' : 's'} from ${fromPath} to ` +
        `${target.location}. Running it again writes each attempt again, never twice.\n`,
    );
  } finally {
    await source.close();
    await target.close();
  }
  return 0;
}
