import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh directory only this user can enter, for the prompt and output files of one invocation. mkdtemp already
 * creates it 0700; the chmod states the requirement rather than relying on the platform's default.
 */
export async function createPrivateDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'llm-service-'));
  await chmod(directory, 0o700);
  return directory;
}

/** Removal never throws: a failure here must not replace the invocation's own result or error. */
export async function removePrivateDirectory(directory: string): Promise<void> {
  await rm(directory, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
}
