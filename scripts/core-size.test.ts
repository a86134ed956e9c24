/**
 * Core's line budget (docs/architecture.md, "A lean kernel"): core is the runtime only (the kernel that runs a
 * request, the plugin host and routing), and what can live elsewhere does: contracts in the spec, shared helpers in
 * the plugin kit, the configuration in `@llm-service/config`. The budget keeps it so: a change that needs core to grow
 * past it should move something out first, or argue for a new budget in architecture.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const coreSources = join(repositoryRoot, 'packages', 'core', 'src');
/** Lines of non-test TypeScript, counted as `wc -l` counts them: comments and blank lines included. */
const lineBudget = 2000;

/** Each non-test TypeScript file under `dir` with its number of lines, largest first. */
export function sourceLineCounts(dir: string): { file: string; lines: number }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      return { file, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) };
    })
    .sort((a, b) => b.lines - a.lines);
}

describe("core's size", () => {
  it(`stays under ${lineBudget} lines of non-test source`, () => {
    const counts = sourceLineCounts(coreSources);
    const total = counts.reduce((sum, { lines }) => sum + lines, 0);
    const largest = counts
      .slice(0, 5)
      .map(({ file, lines }) => `${relative(repositoryRoot, join(coreSources, file))} ${lines}`)
      .join(', ');
    expect(total, `core has ${total} lines of non-test source; the largest files: ${largest}`).toBeLessThan(
      lineBudget,
    );
  });

  it('counts lines as wc -l does', () => {
    // The budget's figure must be the one a reader checks by hand with `wc -l`; guard the counting itself.
    const counted = sourceLineCounts(coreSources).map(({ file }) => file);
    expect(counted.some((file) => file.endsWith('.test.ts'))).toBe(false);
    const kernel = sourceLineCounts(coreSources).find(({ file }) => file === join('kernel', 'kernel.ts'));
    const text = readFileSync(join(coreSources, 'kernel', 'kernel.ts'), 'utf8');
    expect(kernel?.lines).toBe(text.match(/\n/g)?.length);
  });
});
