/**
 * The public APIs of the spec, the plugin kit, the testkit and core are reviewed contracts: the built declarations
 * must match the checked-in API reports in `packages/<name>/api/` (`pnpm api:update` rewrites them). The second test proves the check can fail: it
 * adds an export to a copy of the built declarations and expects the check to refuse it with a diff.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TIMEOUT_MS = 120_000;
const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const coreDir = join(repositoryRoot, 'packages', 'core');
const script = join(repositoryRoot, 'scripts', 'api-report.mjs');
const reported = ['spec', 'plugin-kit', 'testkit', 'core'];

function newestSourceTime(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? newestSourceTime(path) : statSync(path).mtimeMs;
    return Math.max(newest, time);
  }, 0);
}

/** Builds each reported package whose declarations are missing or older than its sources, so the check reads the current API. */
function ensureBuilt(): void {
  for (const name of reported) {
    const dir = join(repositoryRoot, 'packages', name);
    const declaration = join(dir, 'dist', 'index.d.ts');
    const sourceTime = newestSourceTime(join(dir, 'src'));
    if (existsSync(declaration) && statSync(declaration).mtimeMs >= sourceTime) continue;
    const build = spawnSync('pnpm', ['--filter', `@llm-service/${name}`, 'run', 'build'], {
      cwd: repositoryRoot,
      encoding: 'utf8',
      timeout: TIMEOUT_MS,
    });
    if (build.status !== 0) throw new Error(`building ${name} failed\n${build.stdout}\n${build.stderr}`);
  }
}

function runCheck(...args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: repositoryRoot,
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('API reports of the spec, the kits and core', () => {
  it(
    'matches the built declarations (run `pnpm api:update` and review the diff if not)',
    () => {
      ensureBuilt();
      const { status, output } = runCheck();
      expect(status, output).toBe(0);
      for (const report of ['spec', 'plugin-kit', 'testkit', 'testkit-testing', 'core'])
        expect(output).toContain(`${report}.api.md: up to date`);
    },
    TIMEOUT_MS,
  );

  it(
    'fails with a diff when an export is added but the report is not updated, and passes once updated',
    () => {
      ensureBuilt();
      const project = mkdtempSync(join(tmpdir(), 'llm-service-api-report-test-'));
      try {
        cpSync(join(coreDir, 'package.json'), join(project, 'package.json'));
        cpSync(join(coreDir, 'dist'), join(project, 'dist'), { recursive: true });
        cpSync(join(coreDir, 'api'), join(project, 'api'), { recursive: true });
        // The declarations import zod, rxjs and tsyringe: resolve them from core's own dependencies.
        symlinkSync(join(coreDir, 'node_modules'), join(project, 'node_modules'), 'dir');
        appendFileSync(
          join(project, 'dist', 'index.d.ts'),
          '\nexport declare function addedWithoutReview(input: string): number;\n',
        );

        const changed = runCheck('--project', project);
        expect(changed.status, changed.output).toBe(1);
        expect(changed.output).toContain('changed but');
        expect(changed.output).toContain('+export function addedWithoutReview(input: string): number;');

        const updated = runCheck('--project', project, '--update');
        expect(updated.status, updated.output).toBe(0);
        const rechecked = runCheck('--project', project);
        expect(rechecked.status, rechecked.output).toBe(0);
      } finally {
        rmSync(project, { recursive: true, force: true });
      }
    },
    TIMEOUT_MS,
  );
});
