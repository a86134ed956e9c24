import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepLeftBehind } from './private-directory.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('private directories left behind by a killed run', () => {
  it('are removed when their process is gone, and only those', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sweep-test-'));
    roots.push(root);
    const made = (name: string, kind: 'directory' | 'file' = 'directory') => {
      const path = join(root, name);
      if (kind === 'directory') {
        mkdirSync(path);
        writeFileSync(join(path, 'prompt.txt'), 'a prompt that must not outlive its run');
      } else writeFileSync(path, '');
      return path;
    };
    const dead = made('llm-service-424242-a1B2c3');
    const running = made('llm-service-4343-a1B2c3');
    const ours = made(`llm-service-${process.pid}-a1B2c3`);
    const unrelated = made('llm-service-cache');
    const file = made('llm-service-424242-zzzzzz', 'file');
    await sweepLeftBehind(root, (pid) => pid === 4343);
    expect(existsSync(dead)).toBe(false);
    for (const kept of [running, ours, unrelated, file]) expect(existsSync(kept), kept).toBe(true);
  });
});
