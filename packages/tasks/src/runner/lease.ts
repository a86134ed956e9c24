import { lazySchema, z } from '@llm-service/spec';
import { processLiveness, type LivenessChecks, type ProcessIdentity } from '@llm-service/plugin-kit';
import { openDirectoryInside, type HeldDirectory } from './safe-files.js';

/**
 * Leases: which runner works on which task. A lease is a file `runs/<task id>/lease.<n>` under the work directory,
 * created exclusively (written to a temp file, then linked to its name: exactly one creator of a name wins, on every
 * file system including NFS, and the file never exists half written) and holding its runner's identity: pid, process start time, PID namespace and host. The current lease of a task is the one with
 * the highest generation `n`. A runner claims a task by creating generation `n + 1` when generation `n` is absent or
 * stale; it never deletes a lease another runner might hold, so two runners that both judge generation `n` stale
 * race for the same name and one of them loses. The holder renews its lease (sets its modification time) every
 * `LEASE_RENEW_MS`; it has lost the lease when its file is gone or a higher generation exists, and then stops.
 */
export const LEASE_RENEW_MS = 5_000;
/** A lease not renewed for this long is stale, when its runner's liveness cannot be seen (another host). */
export const LEASE_STALE_MS = 60_000;
/** Leases are small; anything larger is not one of ours. */
const MAX_LEASE_BYTES = 4096;

const leaseFileName = /^lease\.([1-9]\d{0,8})$/;

export const leaseOwnerSchema = lazySchema(() =>
  z.object({
    task: z.string(),
    /** A random id of the runner process: tells two claims of one process apart in a listing. */
    runner: z.string(),
    pid: z.number().int(),
    host: z.string(),
    namespace: z.string().optional(),
    startTime: z.string().optional(),
    claimedAt: z.string(),
  }),
);
export type LeaseOwner = z.output<typeof leaseOwnerSchema>;

export interface LeaseFile {
  generation: number;
  /** Undefined when the file cannot be read as a lease (being written, or damaged). */
  owner: LeaseOwner | undefined;
  /** When it was last renewed (or written), by the file's modification time. */
  mtimeMs: number;
}

export interface LeaseJudgement {
  stale: boolean;
  /** Why, in words: `its runner (pid 41 on build-1) has ended`. */
  reason: string;
}

export function describeOwner(owner: LeaseOwner): string {
  return `pid ${owner.pid} on ${owner.host}`;
}

/**
 * Whether a lease may be taken over. Stale only when its runner is provably gone (same host and PID namespace, and
 * no process with that pid, or one with another start time: the pid was reused), or when it has not been renewed for
 * `staleMs` where its runner cannot be seen (another host or namespace, or a platform without start times). A
 * runner that lives is never taken over on its own host, however long its task runs; a file that is not a lease
 * counts as being written until it is `staleMs` old.
 */
export function judgeLease(
  lease: Pick<LeaseFile, 'owner' | 'mtimeMs'>,
  observer: ProcessIdentity,
  nowMs: number,
  options: { staleMs?: number; checks?: LivenessChecks } = {},
): LeaseJudgement {
  const staleMs = options.staleMs ?? LEASE_STALE_MS;
  const age = Math.max(0, nowMs - lease.mtimeMs);
  const unrenewed = age > staleMs;
  const ageText = `${Math.round(age / 1000)} s`;
  const { owner } = lease;
  if (owner === undefined) {
    return unrenewed
      ? { stale: true, reason: `its lease file cannot be read and has not changed for ${ageText}` }
      : { stale: false, reason: 'its lease is being written' };
  }
  const who = describeOwner(owner);
  const liveness = processLiveness(owner, observer, options.checks);
  if (liveness === 'gone') return { stale: true, reason: `its runner (${who}) has ended` };
  if (liveness === 'alive' && owner.startTime !== undefined)
    return { stale: false, reason: `its runner (${who}) is running` };
  // Another host or namespace (or no start time to tell a reused pid): only the renewals say it is alive.
  return unrenewed
    ? { stale: true, reason: `its runner (${who}) has not renewed its lease for ${ageText}` }
    : { stale: false, reason: `its runner (${who}) renewed its lease ${ageText} ago` };
}

export function parseLeaseOwner(bytes: Uint8Array): LeaseOwner | undefined {
  try {
    const parsed = leaseOwnerSchema.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The generations present, highest first. */
export function leaseGenerations(names: readonly string[]): number[] {
  return names
    .flatMap((name) => {
      const match = leaseFileName.exec(name);
      return match ? [Number(match[1])] : [];
    })
    .sort((a, b) => b - a);
}

const runsFolder = 'runs';
const leaseFile = (generation: number) => `lease.${generation}`;

/** The folder of a task's run: `runs/<id>/` (the answer, the attempts' failures, the leases). */
export function runFolderOf(taskId: string): string {
  return `${runsFolder}/${taskId}`;
}

export type ClaimOutcome =
  | {
      ok: true;
      lease: HeldLease;
      /** The stale lease this claim took over, and why it was stale. */
      tookOver: { owner: LeaseOwner | undefined; reason: string } | undefined;
    }
  | { ok: false; reason: string };

export interface LeaseOptions {
  workDir: string;
  identity: ProcessIdentity;
  runner: string;
  now?: () => number;
  staleMs?: number;
  checks?: LivenessChecks;
}

/** Reads, claims and judges the leases of one work directory for one runner process. */
export class Leases {
  readonly #options: LeaseOptions;

  constructor(options: LeaseOptions) {
    this.#options = options;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** The current lease of a task and what a claim would make of it; undefined when it has none. */
  async inspect(taskId: string): Promise<(LeaseFile & LeaseJudgement) | undefined> {
    let directory: HeldDirectory;
    try {
      directory = await openDirectoryInside(this.#options.workDir, [runsFolder, taskId], { create: false });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const current = await this.#current(directory);
      return current ? { ...current, ...this.#judge(current) } : undefined;
    } finally {
      await directory.close();
    }
  }

  #judge(lease: LeaseFile): LeaseJudgement {
    return judgeLease(lease, this.#options.identity, this.#now(), {
      ...(this.#options.staleMs === undefined ? {} : { staleMs: this.#options.staleMs }),
      ...(this.#options.checks === undefined ? {} : { checks: this.#options.checks }),
    });
  }

  async #current(directory: HeldDirectory): Promise<LeaseFile | undefined> {
    for (const generation of leaseGenerations(await directory.list())) {
      const read = await directory.read(leaseFile(generation), MAX_LEASE_BYTES);
      // Removed between the listing and the read (released meanwhile): the next lower one is current.
      if (read === undefined) continue;
      return { generation, owner: parseLeaseOwner(read.bytes), mtimeMs: read.mtimeMs };
    }
    return undefined;
  }

  /**
   * Removes the stale leases of a task no runner should hold (done, failed, blocked: what a runner killed between
   * its last move and its lease's removal leaves). A live lease is left alone. Returns how many were removed.
   */
  async reapStale(taskId: string): Promise<number> {
    let directory: HeldDirectory;
    try {
      directory = await openDirectoryInside(this.#options.workDir, [runsFolder, taskId], { create: false });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    let removed = 0;
    try {
      for (const generation of leaseGenerations(await directory.list())) {
        const read = await directory.read(leaseFile(generation), MAX_LEASE_BYTES);
        if (read === undefined) continue;
        const lease = { generation, owner: parseLeaseOwner(read.bytes), mtimeMs: read.mtimeMs };
        if (this.#judge(lease).stale && (await directory.remove(leaseFile(generation)))) removed += 1;
      }
    } finally {
      await directory.close();
    }
    return removed;
  }

  /**
   * Takes the task's lease: creates the next generation if the current one is absent or stale. Fails (without
   * waiting) when a live runner holds it or another runner won the race for the same generation.
   */
  async claim(taskId: string): Promise<ClaimOutcome> {
    const directory = await openDirectoryInside(this.#options.workDir, [runsFolder, taskId], {
      create: true,
    });
    let kept = false;
    try {
      const current = await this.#current(directory);
      let tookOver: { owner: LeaseOwner | undefined; reason: string } | undefined;
      if (current) {
        const judgement = this.#judge(current);
        if (!judgement.stale) return { ok: false, reason: `another runner holds it: ${judgement.reason}` };
        tookOver = { owner: current.owner, reason: judgement.reason };
      }
      const generation = (current?.generation ?? 0) + 1;
      const { identity, runner } = this.#options;
      const owner: LeaseOwner = {
        task: taskId,
        runner,
        pid: identity.pid,
        host: identity.host,
        ...(identity.namespace === undefined ? {} : { namespace: identity.namespace }),
        ...(identity.startTime === undefined ? {} : { startTime: identity.startTime }),
        claimedAt: new Date(this.#now()).toISOString(),
      };
      try {
        await directory.createExclusive(leaseFile(generation), `${JSON.stringify(owner)}\n`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST')
          return { ok: false, reason: 'another runner claimed it at the same moment' };
        throw error;
      }
      // A claimer that listed before an older generation was removed can create that name again: the highest wins.
      const highest = leaseGenerations(await directory.list())[0] ?? generation;
      if (highest > generation) {
        await directory.remove(leaseFile(generation));
        return { ok: false, reason: 'another runner claimed it at the same moment' };
      }
      kept = true;
      return { ok: true, lease: new HeldLease(taskId, generation, directory), tookOver };
    } finally {
      if (!kept) await directory.close();
    }
  }
}

/** A lease this runner holds: renewed while its task runs, released when it ends. */
export class HeldLease {
  readonly taskId: string;
  readonly generation: number;
  readonly #directory: HeldDirectory;
  #released = false;

  constructor(taskId: string, generation: number, directory: HeldDirectory) {
    this.taskId = taskId;
    this.generation = generation;
    this.#directory = directory;
  }

  /** Renews the lease; `lost` when it was removed or another runner took it over (it judged this one stale). */
  async renew(at = new Date()): Promise<'held' | 'lost'> {
    if (this.#released) return 'lost';
    if (!(await this.#directory.touch(leaseFile(this.generation), at))) return 'lost';
    const highest = leaseGenerations(await this.#directory.list())[0] ?? 0;
    return highest > this.generation ? 'lost' : 'held';
  }

  /** Lets go of the folder and leaves the lease file as it is (what a runner killed with SIGKILL leaves). */
  async close(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await this.#directory.close();
  }

  /**
   * Removes this lease and the older generations it superseded (never a newer one: that is another runner's), then
   * lets go of the folder. Idempotent.
   */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    try {
      for (const generation of leaseGenerations(await this.#directory.list()))
        if (generation <= this.generation) await this.#directory.remove(leaseFile(generation));
    } finally {
      await this.#directory.close();
    }
  }
}
