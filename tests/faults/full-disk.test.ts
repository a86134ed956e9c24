/**
 * A full disk during a write, 100 times: the telemetry database and its JSONL log sit on a small tmpfs, filled before
 * each `exec` so that between 0 and MAX_FREE_KIB KiB remain, which is less than, about, or more than one exec writes.
 * Each exec must succeed or fail the documented way (an exit code of docs/troubleshooting.md and one error line, no
 * stack trace, no internal error), and afterwards the database must be intact, the JSONL log whole lines, the ledger in
 * agreement with the rows and no reservation held once the disk has room again.
 *
 * The tmpfs is mounted inside a private mount namespace (see support/full-disk-driver.mjs), so nothing stays mounted
 * if the test dies. That needs root, or user namespaces for `unshare --user --map-root-user`. Without either, a
 * developer's (non-root) run skips the test and says why; as root (CI) the test runs and fails with the reason, so
 * that it is never skipped unnoticed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  binPath,
  isolatedHome,
  temporaryDir,
  writeConfig,
} from '../../packages/cli/test/support/cli.js';
import {
  documentedExitCodes,
  errorKind,
  heldReservations,
  integrityCheck,
  ledgerFromReport,
  seededRandom,
  snapshotTree,
  stderrProblems,
  suiteSeed,
} from './support/faults.js';

const ITERATIONS = 100;
/** Two disks side by side, 50 execs each: the runs are sequential per disk, so this halves the wall time. */
const LANES = 2;
/** One exec needs roughly 40–80 KiB (WAL frames, the shared-memory index, JSONL lines): free space spans below to above. */
const MAX_FREE_KIB = 160;
const TMPFS_KIB = 4096;
const DRIVER_TIMEOUT_MS = 200_000;

const driverPath = join(dirname(fileURLToPath(import.meta.url)), 'support/full-disk-driver.mjs');

/** The `unshare` prefix that gives a private mount namespace where tmpfs can be mounted, or why there is none. */
function mountNamespace(): { prefix: string[] } | { reason: string } {
  const probeDir = temporaryDir('faults-unshare-probe');
  const attempts: string[] = [];
  try {
    for (const prefix of [
      ['unshare', '--mount', '--propagation', 'private'],
      ['unshare', '--user', '--map-root-user', '--mount', '--propagation', 'private'],
    ]) {
      const probe = spawnSync(
        prefix[0]!,
        [
          ...prefix.slice(1),
          'sh',
          '-c',
          'mount -t tmpfs -o size=64k tmpfs "$1" && umount "$1"',
          'sh',
          probeDir,
        ],
        { encoding: 'utf8', timeout: 10_000 },
      );
      if (probe.status === 0) return { prefix };
      attempts.push(`${prefix.join(' ')}: ${(probe.error?.message ?? probe.stderr).trim()}`);
    }
  } finally {
    rmSync(probeDir, { recursive: true, force: true });
  }
  return { reason: `cannot mount a tmpfs in a private mount namespace (${attempts.join('; ')})` };
}

const namespace =
  process.platform === 'linux' ? mountNamespace() : { reason: 'tmpfs and unshare need Linux' };
const skipReason =
  'reason' in namespace && process.getuid?.() !== 0 ? `${namespace.reason}, and not root` : undefined;
if (skipReason) console.warn(`full-disk faults skipped: ${skipReason}`);

interface CliResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}
interface LaneResult {
  warmUp: CliResult;
  iterations: {
    index: number;
    freeKiB: number;
    freeBefore: number;
    code: number | null;
    signal: string | null;
    stderr: string;
  }[];
  final: CliResult;
  budget: CliResult;
  copied: string[];
}

function runDriver(
  prefix: readonly string[],
  plan: unknown,
  env: Record<string, string>,
): Promise<{ lanes: LaneResult[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      prefix[0]!,
      [...prefix.slice(1), process.execPath, driverPath, JSON.stringify(plan)],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Killing the driver ends its namespace, and the tmpfs mounts with it.
    const timer = setTimeout(() => child.kill('SIGKILL'), DRIVER_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0)
        reject(new Error(`the driver exited with ${String(code ?? signal)}:\n${stderr}\n${stdout}`));
      else resolve(JSON.parse(stdout) as { lanes: LaneResult[] });
    });
  });
}

/** Every line of every JSONL file in `dir` that does not parse as JSON (a half-written line, say). */
function brokenJsonlLines(dir: string): { lines: number; broken: string[] } {
  let lines = 0;
  const broken: string[] = [];
  for (const name of readdirSync(dir).filter((file) => file.includes('.jsonl'))) {
    const text = readFileSync(join(dir, name), 'utf8');
    if (text !== '' && !text.endsWith('\n')) broken.push(`${name}: no newline at the end`);
    for (const line of text.split('\n').filter((each) => each !== '')) {
      lines++;
      try {
        JSON.parse(line);
      } catch {
        broken.push(`${name}: ${line.slice(0, 120)}`);
      }
    }
  }
  return { lines, broken };
}

describe('a full disk under the telemetry database', () => {
  const seed = suiteSeed();
  const random = seededRandom(seed);
  const root = temporaryDir('faults-disk');
  const { env } = isolatedHome();

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(env.HOME!, { recursive: true, force: true });
  });

  it.skipIf(skipReason !== undefined)(
    'every exec succeeds or fails as documented, and the database, JSONL log and ledger stay consistent',
    async () => {
      assertBuilt();
      if ('reason' in namespace) throw new Error(`running as root, yet ${namespace.reason}`);
      const lanes = Array.from({ length: LANES }, (_, lane) => {
        const dir = join(root, `lane-${lane}`);
        const diskDir = join(dir, 'disk');
        mkdirSync(diskDir, { recursive: true });
        const configDir = writeConfig(join(dir, 'config'), {
          tools: {
            primary: {
              args: ['exec', '--json', '--model', '{{model}}', '-'],
              output:
                '{ format: jsonl, text: item.text, input_tokens: usage.input_tokens, output_tokens: usage.output_tokens }',
              models: ['model-a'],
            },
          },
          agents: '  writer:\n    preferred_tool: primary\n    preferred_model: model-a\n',
          extraFiles: {
            'policies.yaml':
              'version: 1\nbudgets:\n  - { scope: global, period: monthly, limit_usd: 1000000, mode: hard }\n',
            'llm-service.yaml': [
              'version: 1',
              'telemetry:',
              `  db_path: ${JSON.stringify(join(diskDir, 'telemetry.db'))}`,
              `  jsonl_path: ${JSON.stringify(join(diskDir, 'events.jsonl'))}`,
              '',
            ].join('\n'),
          },
        });
        return {
          dir,
          diskDir,
          configDir,
          outDir: join(dir, 'out'),
          freeKiB: Array.from({ length: ITERATIONS / LANES }, () => random.int(0, MAX_FREE_KIB)),
        };
      });
      const configsBefore = lanes.map((lane) => snapshotTree(lane.configDir));
      const result = await runDriver(namespace.prefix, { binPath, tmpfsKiB: TMPFS_KIB, lanes }, env);

      const iterations = result.lanes.flatMap((lane) => lane.iterations);
      const tally = (keys: string[]) => {
        const counts: Record<string, number> = {};
        for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
        return counts;
      };
      const summary = {
        seed,
        iterations: iterations.length,
        exitCodes: tally(iterations.map((run) => String(run.code ?? run.signal))),
        // Runs whose output says a write met the full disk (a warning, or the error that ended them).
        diskFullNoticed: iterations.filter((run) =>
          /disk full|disk is full|disk I\/O error/i.test(run.stderr),
        ).length,
        errors: tally(iterations.flatMap((run) => errorKind(run.stderr) ?? [])),
        lanes: result.lanes.map((lane, index) => ({
          jsonlLines: brokenJsonlLines(lanes[index]!.outDir).lines,
          ledger: ledgerFromReport(lane.budget.stdout, join(lanes[index]!.outDir, 'telemetry.db')),
        })),
      };
      console.log('full disk:', JSON.stringify(summary, null, 2));

      expect(iterations).toHaveLength(ITERATIONS);
      // Misbehaviour of one run, with what it printed: an undocumented code, a signal, a stack trace or a bug report.
      // Soft, so that a run that misbehaves does not hide whether the files it left are still consistent.
      const misbehaved = iterations.flatMap((run) => {
        const problems = [
          ...(run.code === null || !documentedExitCodes.includes(run.code)
            ? [`exit ${String(run.code ?? run.signal)}`]
            : []),
          ...stderrProblems(run.code, run.stderr),
        ];
        return problems.length === 0
          ? []
          : [`#${run.index} (${run.freeKiB} KiB free), ${problems.join(', ')}:\n${run.stderr}`];
      });
      expect.soft(misbehaved).toEqual([]);
      // The runs spanned both sides: some wrote, some met the full disk.
      expect(summary.exitCodes['0'] ?? 0).toBeGreaterThan(0);
      expect(summary.diskFullNoticed).toBeGreaterThan(0);

      for (const [index, lane] of result.lanes.entries()) {
        const { outDir, configDir } = lanes[index]!;
        expect(lane.warmUp.code, lane.warmUp.stderr).toBe(0);
        expect(lane.final.code, lane.final.stderr).toBe(0);
        expect(lane.budget.code, lane.budget.stderr).toBe(0);
        const dbPath = join(outDir, 'telemetry.db');
        expect(existsSync(dbPath), `copied: ${lane.copied.join(', ')}`).toBe(true);
        expect(integrityCheck(dbPath)).toBe('ok');
        expect(brokenJsonlLines(outDir).broken).toEqual([]);
        const { ledger } = summary.lanes[index]!;
        expect(ledger.rowsUsd).toBeGreaterThan(0);
        expect(ledger.ledgerUsd).toBeCloseTo(ledger.rowsUsd, 9);
        expect(heldReservations(dbPath)).toBe(0);
        expect(snapshotTree(configDir)).toEqual(configsBefore[index]);
      }
    },
  );
});
