import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutsideRootError, readFileInside, writeFileInside } from './write-file-inside.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function layout() {
  const base = mkdtempSync(join(tmpdir(), 'write-inside-'));
  roots.push(base);
  const work = join(base, 'work');
  const outside = join(base, 'outside');
  mkdirSync(join(work, 'inbox'), { recursive: true });
  mkdirSync(outside);
  return { work, outside };
}

/** Every file below `dir`, as paths relative to it. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

/** Another process swaps `inbox` for a link to `outside` and back, as fast as it can, for two seconds. */
function swapInboxForLink(work: string, outside: string) {
  return spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('fs');
       const [inbox, real, outside] = process.argv.slice(1);
       const until = Date.now() + 2000;
       while (Date.now() < until) {
         try { fs.renameSync(inbox, real); fs.symlinkSync(outside, inbox); } catch {}
         try { fs.unlinkSync(inbox); fs.renameSync(real, inbox); } catch {}
       }
       try { fs.unlinkSync(inbox); } catch {}
       try { fs.renameSync(real, inbox); } catch {}`,
      join(work, 'inbox'),
      join(work, 'inbox.real'),
      outside,
    ],
    { stdio: 'ignore' },
  );
}

describe('writing and reading a file that must stay inside a directory', () => {
  it('writes and replaces a file below the root', async () => {
    const { work } = layout();
    await writeFileInside(work, 'inbox/task.yaml', 'id: 1\n', { mode: 0o640 });
    await writeFileInside(work, 'inbox/task.yaml', 'id: 2\n', { mode: 0o640 });
    expect(readFileSync(join(work, 'inbox', 'task.yaml'), 'utf8')).toBe('id: 2\n');
    expect(filesUnder(work)).toEqual(['inbox/task.yaml']);
  });

  it('refuses a path that leaves the root, and a directory on the way that is a link', async () => {
    const { work, outside } = layout();
    await expect(writeFileInside(work, '../outside/x.yaml', 'x')).rejects.toBeInstanceOf(OutsideRootError);
    await expect(writeFileInside(work, '/etc/x.yaml', 'x')).rejects.toBeInstanceOf(OutsideRootError);
    symlinkSync(outside, join(work, 'linked'));
    await expect(writeFileInside(work, 'linked/x.yaml', 'x')).rejects.toBeInstanceOf(OutsideRootError);
    expect(filesUnder(outside)).toEqual([]);
  });

  it.runIf(process.platform === 'linux')(
    'never lands outside while a directory on the way is swapped for a link to elsewhere, and leaves no temp file',
    async () => {
      const { work, outside } = layout();
      writeFileSync(join(work, 'inbox', 'task.yaml'), 'id: 0\n');
      const swapper = swapInboxForLink(work, outside);
      let written = 0;
      let refused = 0;
      const exited = once(swapper, 'exit');
      let running = true;
      void exited.then(() => (running = false));
      while (running) {
        try {
          await writeFileInside(work, 'inbox/task.yaml', `id: ${written}\n`);
          written++;
        } catch {
          refused++;
        }
      }
      await exited;
      expect(written + refused).toBeGreaterThan(50);
      expect(filesUnder(outside)).toEqual([]);
      expect(filesUnder(work).filter((file) => file.endsWith('.tmp'))).toEqual([]);
    },
    20_000,
  );

  it('reads only a regular file below the root, never through a link', async () => {
    const { work, outside } = layout();
    writeFileSync(join(work, 'inbox', 'task.yaml'), 'id: 1\n', { mode: 0o640 });
    writeFileSync(join(outside, 'secret.yaml'), 'secret\n');
    symlinkSync(join(outside, 'secret.yaml'), join(work, 'inbox', 'link.yaml'));
    symlinkSync(outside, join(work, 'linked'));
    expect(await readFileInside(work, 'inbox/task.yaml')).toEqual({
      bytes: Buffer.from('id: 1\n'),
      mode: 0o640,
    });
    expect(await readFileInside(work, 'inbox/link.yaml')).toBeUndefined();
    expect(await readFileInside(work, 'inbox/absent.yaml')).toBeUndefined();
    expect(await readFileInside(work, 'inbox')).toBeUndefined();
    await expect(readFileInside(work, 'linked/secret.yaml')).rejects.toBeInstanceOf(OutsideRootError);
    await expect(readFileInside(work, '../outside/secret.yaml')).rejects.toBeInstanceOf(OutsideRootError);
  });

  it.runIf(process.platform === 'linux')(
    'never reads a file outside while a directory on the way is swapped for a link to elsewhere',
    async () => {
      const { work, outside } = layout();
      writeFileSync(join(work, 'inbox', 'task.yaml'), 'inside\n');
      writeFileSync(join(outside, 'task.yaml'), 'outside\n');
      const swapper = swapInboxForLink(work, outside);
      const seen = new Map<string, number>();
      const exited = once(swapper, 'exit');
      let running = true;
      void exited.then(() => (running = false));
      while (running) {
        const text = await readFileInside(work, 'inbox/task.yaml').then(
          (file) => file?.bytes.toString() ?? 'none',
          () => 'refused',
        );
        seen.set(text, (seen.get(text) ?? 0) + 1);
      }
      await exited;
      // A path check followed by a plain open read the outside file in most runs of the dashboard's fault test.
      expect(seen.get('outside\n')).toBeUndefined();
      expect(seen.get('inside\n')).toBeGreaterThan(0);
    },
    20_000,
  );
});
