import { createHash } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { processAlive } from '@llm-service/plugin-kit';
import { lazySchema, z, type AttemptWriteV1 } from '@llm-service/spec';

const nullableString = lazySchema(() => z.string().nullable());
const nullableNumber = lazySchema(() => z.number().nullable());

/** A spooled write as read back: the file is ours, but a crash may have cut its last line, and it is checked. */
const spooledWrite = lazySchema(() =>
  z.strictObject({
    kind: z.enum(['start', 'end']),
    row: z.strictObject({
      invocationId: z.string(),
      chainId: z.string(),
      attempt: z.number().int(),
      startedAt: z.string(),
      finishedAt: nullableString,
      project: z.string(),
      taskId: nullableString,
      agent: z.string(),
      taskType: nullableString,
      tool: z.string(),
      model: z.string(),
      reason: z.string(),
      status: z.enum(['running', 'success', 'failed', 'blocked', 'timeout', 'cancelled']),
      errorKind: nullableString,
      message: nullableString,
      inputTokens: z.number(),
      outputTokens: z.number(),
      cacheReadTokens: z.number(),
      cacheWriteTokens: z.number(),
      costUsd: nullableNumber,
      costSource: z.enum(['tool', 'computed', 'estimated', 'unknown']).nullable(),
      computedCostUsd: nullableNumber,
      priceHash: nullableString,
      baselineModel: nullableString,
      baselineCostUsd: nullableNumber,
      latencyMs: nullableNumber,
      exitCode: nullableNumber,
      sessionId: nullableString,
      turns: nullableNumber,
      promptHash: nullableString,
      promptTokensEstimate: nullableNumber,
      forceReason: nullableString,
      pid: nullableNumber,
      billing: z.enum(['api', 'subscription']).nullable(),
      answer: nullableString,
    }),
  }),
);

/** The spool file of a store: one a store location, so two databases' writes never mix. */
export function spoolPath(directory: string, storeLocation: string): string {
  const key = createHash('sha256').update(storeLocation).digest('hex').slice(0, 16);
  return join(directory, `${key}.jsonl`);
}

const claimMarker = '.replaying.';

/**
 * Attempts a store could not take (it was unreachable, or the process exited before it answered), kept in a local
 * file, one write a line, until a later run replays them. Replaying is safe however often a write is replayed: a
 * store keeps one row an attempt. The prompt hashes are stored as the plain SHA-256 and keyed on replay, since the
 * store's key may be what could not be read; the file is the owner's alone (0600).
 */
export class Spool {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** Appends synchronously (it runs in the process's exit hook), and syncs the file: a spooled attempt is recorded. */
  append(batch: readonly AttemptWriteV1[]): void {
    if (batch.length === 0) return;
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const text = batch.map((write) => JSON.stringify(write)).join('\n') + '\n';
    appendFileSync(this.path, text, { mode: 0o600 });
    const fd = openSync(this.path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Replays what is spooled through `write`, a batch at a time. The file is first claimed by renaming it, so two
   * processes never replay the same lines; a claim whose process died is taken over. What fails to replay goes back
   * to the spool. Returns how many writes reached the store, and how many lines were unreadable (and dropped).
   */
  async replay(
    write: (batch: readonly AttemptWriteV1[]) => Promise<void>,
    maxBatch = 500,
  ): Promise<{ replayed: number; unreadable: number }> {
    let replayed = 0;
    let unreadable = 0;
    for (const claimed of this.#claim()) {
      const writes: AttemptWriteV1[] = [];
      for (const line of readFileSync(claimed, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          unreadable += 1;
          continue;
        }
        const parsed = spooledWrite.safeParse(value);
        if (parsed.success) writes.push(parsed.data);
        else unreadable += 1;
      }
      for (let at = 0; at < writes.length; at += maxBatch) {
        try {
          await write(writes.slice(at, at + maxBatch));
          replayed += Math.min(maxBatch, writes.length - at);
        } catch (error) {
          this.append(writes.slice(at));
          unlinkSync(claimed);
          throw error;
        }
      }
      unlinkSync(claimed);
    }
    return { replayed, unreadable };
  }

  /** Whether anything waits to be replayed (cheap: one directory read). */
  pending(): boolean {
    return this.#candidates().length > 0;
  }

  #candidates(): string[] {
    const name = basename(this.path);
    try {
      return readdirSync(dirname(this.path))
        .filter((file) => file === name || file.startsWith(`${name}${claimMarker}`))
        .map((file) => join(dirname(this.path), file));
    } catch {
      return [];
    }
  }

  /** The spool and any claim of a dead process, each renamed to this process's claim. */
  #claim(): string[] {
    const claimed: string[] = [];
    for (const candidate of this.#candidates()) {
      const marker = candidate.lastIndexOf(claimMarker);
      if (marker >= 0) {
        const pid = Number(candidate.slice(marker + claimMarker.length).split('.')[0]);
        if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) continue;
      }
      const target = `${this.path}${claimMarker}${process.pid}.${claimed.length}.${Date.now()}`;
      try {
        renameSync(candidate, target);
        claimed.push(target);
      } catch {
        // Another process claimed it first.
      }
    }
    return claimed;
  }
}
