import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A fresh directory under the system's temporary one, removed by `removeTemporaryDirectories`. */
export function temporaryDirectory(prefix = 'llm-service-test-'): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  made.push(directory);
  return directory;
}

/**
 * Removes every directory `temporaryDirectory` made (homes, config and working directories a tool wrote into): for
 * `afterEach` or `afterAll`, so runs of real tools leave nothing in the temporary directory.
 */
export function removeTemporaryDirectories(): void {
  for (const directory of made.splice(0)) rmSync(directory, { recursive: true, force: true });
}
