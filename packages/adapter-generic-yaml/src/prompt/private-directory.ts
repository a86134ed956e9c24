import { readdir, rm, chmod, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '@llm-service/plugin-kit';

const prefix = 'llm-service-';
/** `llm-service-<pid>-<random>`: the pid of the process that made it, so a later one can tell it was left behind. */
const ownedName = /^llm-service-(\d+)-[A-Za-z0-9]{6}$/;

let swept: Promise<void> | undefined;

/**
 * Removes private directories left by runs that were killed before they could clean up (a prompt file must not
 * outlive its run): those of this user whose process is gone. Once per process, in the background; never throws.
 */
export function sweepLeftBehind(directory = tmpdir(), isAlive = processAlive): Promise<void> {
  return (async () => {
    const uid = process.getuid?.();
    for (const name of await readdir(directory).catch(() => [] as string[])) {
      const pid = Number(ownedName.exec(name)?.[1]);
      if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
      const path = join(directory, name);
      const owner = await stat(path).catch(() => undefined);
      if (!owner?.isDirectory() || (uid !== undefined && owner.uid !== uid)) continue;
      await removePrivateDirectory(path);
    }
  })().catch(() => undefined);
}

/**
 * A fresh directory only this user can enter, for the prompt and output files of one invocation. mkdtemp already
 * creates it 0700; the chmod states the requirement rather than relying on the platform's default.
 */
export async function createPrivateDirectory(): Promise<string> {
  await (swept ??= sweepLeftBehind());
  const directory = await mkdtemp(join(tmpdir(), `${prefix}${process.pid}-`));
  await chmod(directory, 0o700);
  return directory;
}

/** Removal never throws: a failure here must not replace the invocation's own result or error. */
export async function removePrivateDirectory(directory: string): Promise<void> {
  await rm(directory, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
}
