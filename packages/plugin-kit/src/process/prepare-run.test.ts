import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdapterError, coreToolShape, z, type ToolConfig } from '@llm-service/spec';
import { prepareRun, throwIfCancelled } from './prepare-run.js';

const toolSchema = z.object(coreToolShape);
const configDir = mkdtempSync(join(tmpdir(), 'prepare-run-'));
const request = (fields: Record<string, unknown>) => ({
  toolId: 'fake',
  configDir,
  tool: toolSchema.parse({ binary: process.execPath, models: ['m'], ...fields }) as ToolConfig,
});

function failure(run: () => unknown): AdapterError {
  try {
    run();
  } catch (error) {
    if (error instanceof AdapterError) return error;
    throw error;
  }
  throw new Error('expected an AdapterError');
}

describe('prepareRun', () => {
  it('finds the binary and the working directory', () => {
    expect(prepareRun(request({}), { PATH: '' })).toEqual({ binaryPath: process.execPath, cwd: configDir });
  });

  it('fails in order: binary, credentials, working directory', () => {
    const missing = failure(() =>
      prepareRun(
        request({ binary: 'no-such-tool-here' }),
        { PATH: '/nonexistent' },
        {
          installHint: 'npm i -g it',
          notInstalledHint: 'install it',
        },
      ),
    );
    expect(missing).toMatchObject({ kind: 'not-installed', hint: 'install it' });
    expect(missing.message).toContain('(npm i -g it)');
    expect(failure(() => prepareRun(request({ env_required: ['KEY'], cwd: 'nope' }), {}))).toMatchObject({
      kind: 'auth',
      message: 'KEY is not set',
    });
    expect(failure(() => prepareRun(request({ cwd: 'nope' }), {})).kind).toBe('tool-error');
  });
});

describe('throwIfCancelled', () => {
  it('throws `cancelled` only once the signal is aborted', () => {
    const controller = new AbortController();
    expect(() => throwIfCancelled(controller.signal)).not.toThrow();
    controller.abort();
    expect(failure(() => throwIfCancelled(controller.signal)).kind).toBe('cancelled');
  });
});
