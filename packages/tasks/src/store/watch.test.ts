import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workDirSignature } from './watch.js';

let root: string;
let workDir: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llm-service-watch-'));
  workDir = join(root, 'work');
  mkdirSync(join(workDir, 'inbox'), { recursive: true });
  mkdirSync(join(workDir, 'assigned', 'writer'), { recursive: true });
  writeFileSync(join(workDir, 'inbox', 't.yaml'), 'id: t\n');
  writeFileSync(join(workDir, 'assigned', 'writer', 'u.yaml'), 'id: u\n');
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Moves `folder` away and back, as a swap for a link and back does: the same files, with the same times, after. */
function moveAwayAndBack(folder: string, viaLink?: string): void {
  const path = join(workDir, folder);
  const parked = join(workDir, '.parked');
  renameSync(path, parked);
  if (viaLink) {
    symlinkSync(viaLink, path);
    unlinkSync(path);
  }
  renameSync(parked, path);
}

describe('workDirSignature', () => {
  it('is the same while nothing changes', async () => {
    expect(await workDirSignature(workDir)).toBe(await workDirSignature(workDir));
  });

  it('changes when a task folder was moved away and back between two listings', async () => {
    const before = await workDirSignature(workDir);
    moveAwayAndBack('inbox', join(root, 'elsewhere'));
    expect(await workDirSignature(workDir)).not.toBe(before);
  });

  it("changes when an agent's folder was moved away and back", async () => {
    const before = await workDirSignature(workDir);
    moveAwayAndBack('assigned/writer');
    expect(await workDirSignature(workDir)).not.toBe(before);
  });

  it('ignores hidden files in the work directory, such as its lock', async () => {
    const before = await workDirSignature(workDir);
    writeFileSync(join(workDir, '.tasks.lock'), '1');
    expect(await workDirSignature(workDir)).toBe(before);
  });
});
