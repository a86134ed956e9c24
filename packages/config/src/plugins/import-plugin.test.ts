import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importPlugin, resolvePluginUrl, validatePluginDefinition } from './import-plugin.js';

/** The error a promise rejects with (fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('loading plugin modules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llm-service-plugins-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves relative specifiers against the config directory', async () => {
    expect(await resolvePluginUrl('./plugins/audit.js', '/config')).toBe('file:///config/plugins/audit.js');
    expect(await resolvePluginUrl('/abs/plugin.js', '/config')).toBe('file:///abs/plugin.js');
  });

  it('names a package that cannot be found from the config directory', async () => {
    await expect(resolvePluginUrl('@acme/not-installed', dir)).rejects.toThrow(
      expect.objectContaining({
        code: 'E_PLUGIN',
        message: `plugin @acme/not-installed: cannot be found from ${dir}`,
      }),
    );
  });

  it('imports a plugin module by relative path and validates its default export', async () => {
    writeFileSync(
      join(dir, 'audit.mjs'),
      "export default { name: 'audit', version: '1.0.0', apiVersion: '^1.0.0', register() {} };\n",
    );
    const loaded = await importPlugin('./audit.mjs', dir);
    expect(loaded.name).toBe('audit');
    expect(pathToFileURL(join(dir, 'audit.mjs')).href).toBe(await resolvePluginUrl('./audit.mjs', dir));
  });

  it('names the specifier when a module fails to load or is not a plugin', async () => {
    writeFileSync(join(dir, 'broken.mjs'), "throw new Error('top-level failure');\n");
    writeFileSync(
      join(dir, 'not-a-plugin.mjs'),
      "export default { name: 'x', version: '1.0.0', apiVersion: '^1.0.0' };\n",
    );
    const broken = await rejection(importPlugin('./broken.mjs', dir));
    expect(broken.message).toBe('plugin ./broken.mjs: failed to load: top-level failure');
    const notPlugin = await rejection(importPlugin('./not-a-plugin.mjs', dir));
    expect(notPlugin.message).toBe(
      'plugin ./not-a-plugin.mjs: is not a valid plugin (register: register must be a function)',
    );
    expect(() => validatePluginDefinition('./none.mjs', undefined)).toThrow(
      /^plugin \.\/none\.mjs: is not a valid plugin \(default export: /,
    );
  });
});
