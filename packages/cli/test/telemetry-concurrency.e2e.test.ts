import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TelemetryStore } from '@llm-service/telemetry';
import { binPath, isolatedHome, runCli, temporaryDir, writeConfig } from './support/cli.js';

const workers = 8;
const execsEach = 50;

/** A worker process: runs `llm-service exec` in sequence and reports failures and anything said on stderr. */
const workerSource = `
  const { spawnSync } = require('node:child_process');
  const [bin, configDir, count] = process.argv.slice(1);
  const report = { failures: 0, stderr: [] };
  for (let index = 0; index < Number(count); index++) {
    const run = spawnSync(process.execPath, [bin, 'exec', '--config-dir', configDir, '--agent', 'writer',
      '--prompt', 'worker ' + process.pid + ' request ' + index]);
    if (run.status !== 0) report.failures++;
    if (run.stderr.length > 0) report.stderr.push(run.stderr.toString());
  }
  process.stdout.write(JSON.stringify(report));
`;

describe('telemetry under concurrent llm-service processes', () => {
  it(`records exactly ${workers * execsEach} rows from ${workers} workers running exec ${execsEach} times each`, async () => {
    const { env } = isolatedHome();
    const dbPath = join(temporaryDir('db'), 'telemetry.db');
    const dir = writeConfig(temporaryDir('config'), {
      tools: { primary: { models: ['model-a'] } },
      agents: '  writer:\n    preferred_tool: primary\n    preferred_model: model-a\n',
      extraFiles: { 'llm-service.yaml': `version: 1\ntelemetry: { db_path: ${JSON.stringify(dbPath)} }\n` },
    });
    const reports = await Promise.all(
      Array.from(
        { length: workers },
        () =>
          new Promise<{ failures: number; stderr: string[] }>((resolve, reject) => {
            const child = spawn(process.execPath, ['-e', workerSource, binPath, dir, String(execsEach)], {
              env: env as NodeJS.ProcessEnv,
            });
            let out = '';
            child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
            child.on('error', reject);
            child.on('close', () => resolve(JSON.parse(out) as { failures: number; stderr: string[] }));
          }),
      ),
    );
    expect(reports.map((report) => report.failures)).toEqual(Array(workers).fill(0));
    const stderr = reports.flatMap((report) => report.stderr).join('');
    expect(stderr).not.toContain('database is locked');
    expect(stderr).toBe('');

    const store = new TelemetryStore({ path: dbPath, create: false });
    const db = store.open();
    expect(db.prepare('SELECT status, COUNT(*) AS n FROM invocations GROUP BY status').all()).toEqual([
      { status: 'success', n: workers * execsEach },
    ]);
    expect(db.prepare('SELECT COUNT(DISTINCT invocation_id) AS n FROM invocations').get()).toEqual({
      n: workers * execsEach,
    });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    store.close();

    const stats = JSON.parse(
      (await runCli(['stats', '--config-dir', dir, '--json'], { env })).stdout.toString(),
    );
    expect(stats.total).toMatchObject({
      invocations: workers * execsEach,
      successes: workers * execsEach,
      successRate: 1,
    });
  }, 300_000);
});
