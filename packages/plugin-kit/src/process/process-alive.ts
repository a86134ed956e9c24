/**
 * True while a process with this id exists on this machine (EPERM: it exists but belongs to another user). A pid
 * can be reused after its process ends, so callers that must be sure a process is gone combine this with time.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
