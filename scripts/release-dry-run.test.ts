/**
 * The tarball rules of `pnpm release:dry-run` (scripts/release-dry-run.mjs), on hand-made manifests: a good package
 * passes, and each rule catches what it is there for. The dry run itself runs in CI (`pnpm release:dry-run`).
 */
import { describe, expect, it } from 'vitest';

type Manifest = Record<string, unknown>;
type CheckTarball = (
  tarball: { manifest: Manifest; files: Set<string> },
  expectedVersion: string,
  releasedVersions: Map<string, string>,
) => string[];

// A URL, so TypeScript does not look for declarations of the plain-JavaScript script.
const scriptUrl = new URL('./release-dry-run.mjs', import.meta.url).href;
const { checkTarball } = (await import(scriptUrl)) as { checkTarball: CheckTarball };

const released = new Map([
  ['@llm-service/core', '0.2.0'],
  ['@llm-service/plugin', '1.0.0'],
]);

function good(): Manifest {
  return {
    name: '@llm-service/plugin',
    version: '1.0.0',
    type: 'module',
    exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
    bin: { plugin: './dist/bin.js' },
    files: ['dist'],
    peerDependencies: { '@llm-service/core': '^0.2.0' },
  };
}
const goodFiles = () => new Set(['package.json', 'dist/index.d.ts', 'dist/index.js', 'dist/bin.js']);
const check = (manifest: Manifest, files = goodFiles()) =>
  checkTarball({ manifest, files }, '1.0.0', released);

describe('release dry run tarball checks', () => {
  it('accepts a well-formed package', () => {
    expect(check(good())).toEqual([]);
  });

  it('wants types first in every condition object, and types beside import', () => {
    const late = { ...good(), exports: { '.': { import: './dist/index.js', types: './dist/index.d.ts' } } };
    expect(check(late).join('\n')).toMatch(/types must come first/);
    const none = { ...good(), exports: { '.': { import: './dist/index.js' } } };
    expect(check(none).join('\n')).toMatch(/has no types condition/);
  });

  it('wants every file the manifest points at in the tarball', () => {
    const files = goodFiles();
    files.delete('dist/index.d.ts');
    files.delete('dist/bin.js');
    const problems = check(good(), files).join('\n');
    expect(problems).toMatch(/exports \. > types points at \.\/dist\/index\.d\.ts/);
    expect(problems).toMatch(/bin points at \.\/dist\/bin\.js/);
  });

  it('refuses the source condition, workspace ranges, sources and tests', () => {
    const source = {
      ...good(),
      exports: { '.': { '@llm-service/source': './src/index.ts', types: './dist/index.d.ts' } },
    };
    expect(check(source).join('\n')).toMatch(/@llm-service\/source/);
    const workspace = { ...good(), peerDependencies: { '@llm-service/core': 'workspace:^' } };
    expect(check(workspace).join('\n')).toMatch(/workspace: range/);
    const files = goodFiles().add('src/index.ts').add('dist/index.test.js');
    expect(check(good(), files).join('\n')).toMatch(
      /ships sources or tests: src\/index\.ts, dist\/index\.test\.js/,
    );
  });

  it('wants the versioned version and internal ranges the released versions satisfy', () => {
    expect(check({ ...good(), version: '0.1.0' }).join('\n')).toMatch(
      /version 0\.1\.0, but changeset version/,
    );
    const stale = { ...good(), peerDependencies: { '@llm-service/core': '^0.1.0' } };
    expect(check(stale).join('\n')).toMatch(/peerDependencies\.@llm-service\/core is \^0\.1\.0/);
  });
});
