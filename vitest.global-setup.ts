/**
 * One temporary directory for the whole run: the tests and every process they start make their temporary files in it
 * (TMPDIR), and it is removed when the run ends. Nearly every case makes a fresh HOME, configuration or database
 * directory; left in the system's temporary directory, they added up to gigabytes over a few hundred runs of the
 * suite on one machine. LLM_SERVICE_KEEP_TEST_FILES=1 keeps them, to look at what a failing test left.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'llm-service-tests-'));
  // Others may pass through it (not list it): run as root, the PostgreSQL tests start the server as `postgres`.
  chmodSync(root, 0o711);
  const previous = process.env.TMPDIR;
  // Read by os.tmpdir() here and in every test worker, which inherit this process's environment.
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (process.env.LLM_SERVICE_KEEP_TEST_FILES) console.log(`test files kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
