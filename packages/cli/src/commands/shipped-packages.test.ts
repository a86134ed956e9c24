import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  exportedFiles,
  locateShippedPackage,
  packedFiles,
  packShippedPackage,
  publishedManifest,
  tarball,
} from './shipped-packages.js';

const directories: string[] = [];
function temporaryDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-service-shipped-'));
  directories.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function write(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** Extracts a .tgz with the system's tar into a new directory; returns it. */
function extract(data: Buffer): string {
  const dir = temporaryDirectory();
  writeFileSync(join(dir, 'package.tgz'), data);
  const result = spawnSync('tar', ['-xzf', 'package.tgz'], { cwd: dir, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return join(dir, 'package');
}

const manifest = (fields: Record<string, unknown>) => `${JSON.stringify(fields, null, 2)}\n`;

/**
 * A workspace as pnpm lays it out: packages/{spec,core}, core's node_modules linking the spec, and a CLI whose
 * node_modules links both.
 */
function workspace(): { root: string; cliFile: string } {
  const root = temporaryDirectory();
  write(root, {
    'packages/spec/package.json': manifest({
      name: '@llm-service/spec',
      version: '1.2.3',
      type: 'module',
      exports: { '.': { '@llm-service/source': './src/index.ts', import: './dist/index.js' } },
      files: ['dist'],
      publishConfig: { access: 'public', exports: { '.': { import: './dist/index.js' } } },
      scripts: { build: 'tsup', postinstall: 'node evil.js' },
      devDependencies: { typescript: '6.0.3' },
    }),
    'packages/spec/src/index.ts': 'export {};\n',
    'packages/spec/dist/index.js': 'export const spec = 1;\n',
    'packages/spec/README.md': '# spec\n',
    'packages/spec/node_modules/zod/package.json': '{}',
    'packages/core/package.json': manifest({
      name: '@llm-service/core',
      version: '2.0.0',
      type: 'module',
      exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
      files: ['dist'],
      dependencies: { '@llm-service/spec': 'workspace:^', yaml: '2.9.1' },
      peerDependencies: { '@llm-service/spec': 'workspace:*' },
      optionalDependencies: { '@llm-service/spec': 'workspace:~' },
    }),
    'packages/core/dist/index.js': 'export const core = 1;\n',
    'packages/cli/dist/main.cjs': '',
  });
  for (const [from, name] of [
    ['packages/core', 'spec'],
    ['packages/cli', 'spec'],
    ['packages/cli', 'core'],
  ] as const) {
    mkdirSync(join(root, from, 'node_modules', '@llm-service'), { recursive: true });
    symlinkSync(join(root, 'packages', name), join(root, from, 'node_modules', '@llm-service', name), 'dir');
  }
  return { root, cliFile: join(root, 'packages/cli/dist/main.cjs') };
}

describe('locateShippedPackage', () => {
  it('finds a package as Node would from the CLI, through links, by its directory', () => {
    const { root, cliFile } = workspace();
    expect(locateShippedPackage('@llm-service/spec', pathToFileURL(cliFile))).toEqual({
      name: '@llm-service/spec',
      version: '1.2.3',
      dir: join(root, 'packages/spec'),
    });
  });

  it('finds one installed beside the CLI, as npm installs globally', () => {
    const root = temporaryDirectory();
    write(root, {
      'lib/node_modules/@llm-service/cli/dist/main.cjs': '',
      'lib/node_modules/@llm-service/testkit/package.json': manifest({
        name: '@llm-service/testkit',
        version: '0.4.0',
      }),
    });
    const found = locateShippedPackage(
      '@llm-service/testkit',
      pathToFileURL(join(root, 'lib/node_modules/@llm-service/cli/dist/main.cjs')),
    );
    expect(found).toMatchObject({
      version: '0.4.0',
      dir: join(root, 'lib/node_modules/@llm-service/testkit'),
    });
  });

  it('says which package is missing, with exit code 1 and how to reinstall', () => {
    const { cliFile } = workspace();
    let error: unknown;
    try {
      locateShippedPackage('@llm-service/testkit', pathToFileURL(cliFile));
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: 'E_PLUGINS_NEW',
      exitCode: 1,
      message:
        'this llm-service cannot give a new plugin @llm-service/testkit: it is not installed beside the CLI',
    });
    expect((error as { hint: string }).hint).toContain('install:global');
  });
});

describe('publishedManifest', () => {
  it('applies publishConfig, resolves workspace: ranges as pnpm does, and drops scripts and devDependencies', () => {
    const published = publishedManifest(
      {
        name: 'x',
        version: '1.0.0',
        exports: { '.': { '@llm-service/source': './src/index.ts', import: './dist/index.js' } },
        publishConfig: { access: 'public', exports: { '.': { import: './dist/index.js' } } },
        scripts: { postinstall: 'node evil.js' },
        dependencies: {
          a: 'workspace:^',
          b: 'workspace:*',
          c: 'workspace:~',
          d: 'workspace:^1.0.0',
          e: '1.0.0',
        },
        devDependencies: { a: 'workspace:^' },
      },
      (name) => ({ a: '1.1.0', b: '2.2.0', c: '3.3.0' })[name] ?? 'none',
    );
    expect(published).toEqual({
      name: 'x',
      version: '1.0.0',
      exports: { '.': { import: './dist/index.js' } },
      publishConfig: { access: 'public' },
      dependencies: { a: '^1.1.0', b: '2.2.0', c: '~3.3.0', d: '^1.0.0', e: '1.0.0' },
    });
  });

  it('names the files its exports need', () => {
    expect(
      exportedFiles({
        exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './x/*': './dist/x/*.js' },
        main: 'dist/main.js',
      }),
    ).toEqual(['dist/index.d.ts', 'dist/index.js', 'dist/main.js']);
  });
});

describe('packedFiles', () => {
  it('packs what "files" lists and the README and licence, never node_modules', () => {
    const root = temporaryDirectory();
    write(root, {
      'package.json': '{}',
      'README.md': '',
      LICENSE: '',
      'src/index.ts': '',
      'dist/index.js': '',
      'dist/sub/a.d.ts': '',
      'dist/node_modules/x/index.js': '',
      'node_modules/y/index.js': '',
      'bin/tool.js': '',
    });
    expect(packedFiles(root, { files: ['dist/', './bin/tool.js', 'missing'] })).toEqual([
      'LICENSE',
      'README.md',
      'bin/tool.js',
      'dist/index.js',
      'dist/sub/a.d.ts',
    ]);
    expect(packedFiles(root, {})).toEqual([
      'LICENSE',
      'README.md',
      'bin/tool.js',
      'dist/index.js',
      'dist/sub/a.d.ts',
      'src/index.ts',
    ]);
    expect(() => packedFiles(root, { name: 'x', files: ['dist/**/*.js'] })).toThrow(/is a pattern/);
  });
});

describe('tarball', () => {
  it('writes a gzipped tar that tar reads back, long paths and executable bits included', () => {
    const long = `dist/${'deep/'.repeat(25)}file.js`;
    const data = tarball([
      { path: 'package.json', content: Buffer.from('{"name":"x"}\n'), mode: 0o644 },
      { path: long, content: Buffer.alloc(1500, 'a'), mode: 0o644 },
      { path: 'bin/run.js', content: Buffer.from('#!/usr/bin/env node\n'), mode: 0o755 },
      { path: 'empty.txt', content: Buffer.alloc(0), mode: 0o644 },
    ]);
    const dir = extract(data);
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe('{"name":"x"}\n');
    expect(readFileSync(join(dir, long))).toEqual(Buffer.alloc(1500, 'a'));
    expect(statSync(join(dir, 'bin/run.js')).mode & 0o111).not.toBe(0);
    expect(readFileSync(join(dir, 'empty.txt'), 'utf8')).toBe('');
    // The same files make the same bytes (a lockfile's integrity stays valid when the plugin is made again).
    expect(
      tarball([{ path: 'package.json', content: Buffer.from('{"name":"x"}\n'), mode: 0o644 }]).equals(
        tarball([{ path: 'package.json', content: Buffer.from('{"name":"x"}\n'), mode: 0o644 }]),
      ),
    ).toBe(true);
  });
});

describe('packShippedPackage', () => {
  it('packs a workspace package as published: its files, and ranges to the versions beside it', () => {
    const { root, cliFile } = workspace();
    const spec = packShippedPackage(locateShippedPackage('@llm-service/spec', pathToFileURL(cliFile)));
    expect(spec).toMatchObject({ version: '1.2.3', fileName: 'llm-service-spec-1.2.3.tgz' });
    const dir = extract(spec.tarball);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toEqual({
      name: '@llm-service/spec',
      version: '1.2.3',
      type: 'module',
      exports: { '.': { import: './dist/index.js' } },
      files: ['dist'],
      publishConfig: { access: 'public' },
    });
    expect(readFileSync(join(dir, 'dist/index.js'), 'utf8')).toBe(
      readFileSync(join(root, 'packages/spec/dist/index.js'), 'utf8'),
    );
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# spec\n');
  });

  it('resolves workspace: ranges from the package itself, and refuses a package that is not built', () => {
    const { root, cliFile } = workspace();
    write(root, { 'packages/core/dist/index.d.ts': 'export {};\n' });
    chmodSync(join(root, 'packages/core/dist/index.js'), 0o755);
    const core = packShippedPackage(locateShippedPackage('@llm-service/core', pathToFileURL(cliFile)));
    expect(core.fileName).toBe('llm-service-core-2.0.0.tgz');
    const dir = extract(core.tarball);
    const packed = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(packed.dependencies).toEqual({ '@llm-service/spec': '^1.2.3', yaml: '2.9.1' });
    expect(packed.peerDependencies).toEqual({ '@llm-service/spec': '1.2.3' });
    expect(packed.optionalDependencies).toEqual({ '@llm-service/spec': '~1.2.3' });
    expect(statSync(join(dir, 'dist/index.js')).mode & 0o111).not.toBe(0);

    rmSync(join(root, 'packages/core/dist/index.d.ts'));
    expect(() =>
      packShippedPackage(locateShippedPackage('@llm-service/core', pathToFileURL(cliFile))),
    ).toThrow(`${join(root, 'packages/core/dist/index.d.ts')} is missing (is the package built?)`);
  });
});
