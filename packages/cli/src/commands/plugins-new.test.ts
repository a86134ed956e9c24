import { describe, expect, it } from 'vitest';
import { invalidNpmName, pluginFiles, vendoredPackages, type VendoredPackage } from './plugins-new.js';

const vendored: VendoredPackage[] = vendoredPackages.map((name, index) => ({
  name,
  version: `0.${index + 1}.0`,
  path: `vendor/${name.slice(1).replace('/', '-')}-0.${index + 1}.0.tgz`,
}));

describe('invalidNpmName', () => {
  it('accepts plain and scoped names', () => {
    for (const name of ['llm-service-audit', '@acme/llm-service-audit', 'a.b_c~d'])
      expect(invalidNpmName(name), name).toBeUndefined();
  });

  it('says why npm would refuse a name', () => {
    expect(invalidNpmName('Not A Name')).toContain('lower case');
    expect(invalidNpmName('.hidden')).toContain('lower case');
    expect(invalidNpmName('@acme/')).toContain('lower case');
    expect(invalidNpmName(`x${'y'.repeat(214)}`)).toBe('an npm name has at most 214 characters');
    expect(invalidNpmName('node_modules')).toBe("'node_modules' is reserved by npm");
    expect(invalidNpmName('http')).toBe("'http' is a Node.js module; add a prefix, e.g. llm-service-http");
    expect(invalidNpmName('@llm-service/testkit')).toContain(
      'a package of llm-service the new plugin depends on',
    );
  });
});

describe('pluginFiles', () => {
  it('takes every package of ours from vendor/, pins them with overrides, and peers on the vendored spec', () => {
    const files = pluginFiles('@acme/llm-service-audit', 'sink', vendored);
    const manifest = JSON.parse(files['package.json'] ?? '{}') as Record<string, Record<string, string>>;
    expect(manifest.peerDependencies).toEqual({ '@llm-service/spec': '^0.1.0' });
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.devDependencies).toEqual({
      '@llm-service/config': 'file:vendor/llm-service-config-0.3.0.tgz',
      '@llm-service/core': 'file:vendor/llm-service-core-0.4.0.tgz',
      '@llm-service/plugin-kit': 'file:vendor/llm-service-plugin-kit-0.2.0.tgz',
      '@llm-service/spec': 'file:vendor/llm-service-spec-0.1.0.tgz',
      '@llm-service/testkit': 'file:vendor/llm-service-testkit-0.5.0.tgz',
      '@types/node': '^20.19.0',
      typescript: '~6.0.3',
      vitest: '4.1.12',
    });
    expect(manifest.overrides).toEqual({
      '@llm-service/spec': '$@llm-service/spec',
      '@llm-service/plugin-kit': '$@llm-service/plugin-kit',
      '@llm-service/config': '$@llm-service/config',
      '@llm-service/core': '$@llm-service/core',
      '@llm-service/testkit': '$@llm-service/testkit',
    });
    // Published, the plugin carries only dist: vendor/ is for development.
    expect(manifest.files).toEqual(['dist']);
    expect(files['.gitignore']).not.toContain('vendor');
    expect(files['README.md']).toContain('@llm-service/core 0.4.0');
  });

  it('writes no range for our scope that a registry would be asked for', () => {
    for (const kind of ['adapter', 'policy', 'sink', 'command'] as const) {
      const files = pluginFiles('llm-service-x', kind, vendored);
      const manifest = JSON.parse(files['package.json'] ?? '{}') as Record<string, Record<string, string>>;
      for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies }))
        if (name.startsWith('@llm-service/')) expect(range, `${kind}: ${name}`).toMatch(/^file:vendor\//);
      // The test imports only packages the manifest installs.
      const imported = [...(files['src/index.test.ts'] ?? '').matchAll(/from '(@llm-service\/[^/']+)/g)].map(
        (match) => match[1],
      );
      for (const name of imported) expect(manifest.devDependencies, kind).toHaveProperty([name!]);
    }
  });
});
