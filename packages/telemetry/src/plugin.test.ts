import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKernel, type ConfigIssue } from '@llm-service/core';
import telemetryPlugin from './index.js';

const directories: string[] = [];
afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configDir(settings: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-service-telemetry-'));
  directories.push(dir);
  writeFileSync(join(dir, 'agents.yaml'), 'version: 1\nagents: {}\n');
  writeFileSync(join(dir, 'tools.yaml'), 'version: 1\ntools: {}\n');
  writeFileSync(join(dir, 'models.yaml'), 'version: 1\nmodels: {}\n');
  if (settings !== undefined) writeFileSync(join(dir, 'llm-service.yaml'), settings);
  return dir;
}

async function settingsOf(dir: string): Promise<Record<string, unknown>> {
  const kernel = createKernel({
    configDir: dir,
    cwd: dir,
    env: { DATA: '/data' },
    plugins: [telemetryPlugin],
  });
  try {
    return (await kernel.config()).settings;
  } finally {
    await kernel.dispose();
  }
}

describe('telemetry in the kernel', () => {
  it('validates the telemetry section of llm-service.yaml, with environment variables', async () => {
    const settings = await settingsOf(configDir('version: 1\ntelemetry: { db_path: "${DATA}/t.db" }\n'));
    expect(settings.telemetry).toEqual({ db_path: '/data/t.db', capture_content: false });
  });

  it('leaves the section out when llm-service.yaml has none', async () => {
    expect((await settingsOf(configDir(undefined))).telemetry).toBeUndefined();
  });

  it('reports an unknown key with a suggestion', async () => {
    const error = await settingsOf(configDir('version: 1\ntelemetry:\n  capture_contents: true\n')).catch(
      (caught: unknown) => caught as { issues: ConfigIssue[] },
    );
    expect((error as { issues: ConfigIssue[] }).issues).toMatchObject([
      {
        file: 'llm-service.yaml',
        line: 3,
        path: 'telemetry.capture_contents',
        suggestion: expect.stringContaining("did you mean 'capture_content'?"),
      },
    ]);
  });
});
