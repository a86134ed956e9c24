import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeTemporaryDirectories, temporaryDirectory } from './temporary-directories.js';

describe('temporaryDirectory', () => {
  it('makes a fresh directory each time, and removeTemporaryDirectories removes them with their contents', () => {
    const first = temporaryDirectory('testkit-dirs-');
    const second = temporaryDirectory('testkit-dirs-');
    expect(first).not.toBe(second);
    expect(first).toContain('testkit-dirs-');
    writeFileSync(join(first, 'file'), 'x');
    removeTemporaryDirectories();
    expect([existsSync(first), existsSync(second)]).toEqual([false, false]);
    // Once removed, they are forgotten: a second call has nothing to do.
    expect(() => removeTemporaryDirectories()).not.toThrow();
  });
});
