import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { processAlive } from './process-alive.js';

/**
 * Who a process is, precisely enough to tell it from another that later gets the same pid: the host, the PID
 * namespace the pid belongs to, and the process's start time (Linux: clock ticks since boot, with the boot's id).
 * Fields this platform cannot tell are absent.
 */
export interface ProcessIdentity {
  pid: number;
  host: string;
  namespace?: string;
  startTime?: string;
}

/** `/proc/<pid>/stat` field 22, the start time; undefined where there is no /proc or no such process. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19];
    if (ticks === undefined) return undefined;
    return `${bootId() ?? 'boot'}:${ticks}`;
  } catch {
    return undefined;
  }
}

let cachedBootId: string | undefined | null = null;
function bootId(): string | undefined {
  if (cachedBootId === null) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBootId = undefined;
    }
  }
  return cachedBootId;
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

/** This process's identity. */
export function currentProcessIdentity(): ProcessIdentity {
  const namespace = pidNamespace();
  const startTime = processStartTime(process.pid);
  return {
    pid: process.pid,
    host: hostname(),
    ...(namespace === undefined ? {} : { namespace }),
    ...(startTime === undefined ? {} : { startTime }),
  };
}

export interface LivenessChecks {
  isAlive?: (pid: number) => boolean;
  startTimeOf?: (pid: number) => string | undefined;
}

/**
 * Whether the process `owner` is still running, as `observer` can tell: `gone` only when that is certain (same host
 * and PID namespace, and no process with that pid, or one that started at another time: the pid was reused);
 * `unknown` when the observer cannot see the owner's processes (another host or PID namespace), where only a lease
 * the owner renews can say it is alive.
 */
export function processLiveness(
  owner: ProcessIdentity,
  observer: ProcessIdentity,
  checks: LivenessChecks = {},
): 'alive' | 'gone' | 'unknown' {
  if (owner.host !== observer.host || owner.namespace !== observer.namespace) return 'unknown';
  if (owner.pid === observer.pid && owner.startTime === observer.startTime) return 'alive';
  if (!(checks.isAlive ?? processAlive)(owner.pid)) return 'gone';
  if (owner.startTime === undefined) return 'alive';
  const startTime = (checks.startTimeOf ?? processStartTime)(owner.pid);
  return startTime === undefined || startTime === owner.startTime ? 'alive' : 'gone';
}
