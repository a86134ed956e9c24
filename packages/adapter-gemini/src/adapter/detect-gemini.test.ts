import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeTemporaryDirectories, temporaryDirectory, toolConfig } from '../../test/support/helpers.js';

afterEach(removeTemporaryDirectories);
import {
  authProblem,
  detectGemini,
  parseVersion,
  presentCredentials,
  selectedAuthType,
} from './detect-gemini.js';

/** A HOME whose ~/.gemini/settings.json holds `settings` (raw text). */
function homeWith(settings: string | undefined): string {
  const home = temporaryDirectory('adapter-gemini-home-');
  if (settings !== undefined) {
    mkdirSync(join(home, '.gemini'));
    writeFileSync(join(home, '.gemini', 'settings.json'), settings);
  }
  return home;
}

const apiKeyAuth = '{"security":{"auth":{"selectedType":"gemini-api-key"}}}';

describe('reading gemini’s auth set-up', () => {
  it('reads the selected auth type, tolerating comments, and nothing from a broken or missing file', () => {
    expect(selectedAuthType({ HOME: homeWith(apiKeyAuth) })).toBe('gemini-api-key');
    expect(selectedAuthType({ HOME: homeWith(`// mine\n${apiKeyAuth}`) })).toBe('gemini-api-key');
    expect(selectedAuthType({ HOME: homeWith('{ not json') })).toBeUndefined();
    expect(selectedAuthType({ HOME: homeWith('{"security":{"auth":{"selectedType":7}}}') })).toBeUndefined();
    expect(selectedAuthType({ HOME: homeWith(undefined) })).toBeUndefined();
    expect(selectedAuthType({ HOME: '/nonexistent', GEMINI_CLI_HOME: homeWith(apiKeyAuth) })).toBe(
      'gemini-api-key',
    );
  });

  it('names the problem: no auth selected, no key for API-key auth, Google sign-in for an individual', () => {
    expect(authProblem({ HOME: homeWith(undefined), GEMINI_API_KEY: 'k' })).toContain(
      'no auth method selected',
    );
    expect(authProblem({ HOME: homeWith(apiKeyAuth) })).toBe(
      'GEMINI_API_KEY is not set (API-key auth is selected)',
    );
    expect(authProblem({ HOME: homeWith(apiKeyAuth), GEMINI_API_KEY: 'k' })).toBeUndefined();
    const google = homeWith('{"security":{"auth":{"selectedType":"oauth-personal"}}}');
    expect(authProblem({ HOME: google })).toContain('no longer serves for individual accounts');
    expect(authProblem({ HOME: google, GOOGLE_CLOUD_PROJECT: 'p' })).toBeUndefined();
  });

  it('lists credential sources by name only', () => {
    const names = presentCredentials(toolConfig({}), {
      HOME: homeWith(apiKeyAuth),
      GEMINI_API_KEY: 'secret-value',
    });
    expect(names).toEqual(['GEMINI_API_KEY', 'settings auth: gemini-api-key']);
    expect(JSON.stringify(names)).not.toContain('secret-value');
  });

  it('parses the version line', () => {
    expect(parseVersion('0.61.0\n')).toBe('0.61.0');
    expect(parseVersion('\nsomething else\n')).toBe('something else');
    expect(parseVersion('')).toBeUndefined();
  });
});

describe('detecting gemini', () => {
  it('reports a missing binary with the install hint', async () => {
    const result = await detectGemini(toolConfig({ binary: 'no-such-gemini-binary' }), {
      configDir: temporaryDirectory(),
      env: { PATH: '/nonexistent', HOME: homeWith(apiKeyAuth), GEMINI_API_KEY: 'k' },
    });
    expect(result).toMatchObject({ installed: false });
    expect(result.problem).toContain('npm i -g @google/gemini-cli');
  });

  it('reports the version of an installed binary and the auth problem', async () => {
    const dir = temporaryDirectory();
    const fake = join(dir, 'gemini');
    writeFileSync(fake, '#!/bin/sh\necho 0.61.0\n');
    chmodSync(fake, 0o755);
    const result = await detectGemini(toolConfig({ binary: fake }), {
      configDir: dir,
      env: { PATH: process.env.PATH, HOME: homeWith(apiKeyAuth) },
    });
    expect(result).toMatchObject({
      installed: true,
      path: fake,
      version: '0.61.0',
      credentials: ['settings auth: gemini-api-key'],
      problem: 'GEMINI_API_KEY is not set (API-key auth is selected)',
    });
  });
});
