/**
 * The `@llm-service` packages the running CLI ships, found where Node finds them from the CLI's own files, and packed
 * into npm tarballs for `plugins new`: a new plugin installs the spec, the kit, core and the testkit from those
 * tarballs (`file:vendor/…`), so its `npm install` needs no registry for our scope (the scope on the public registry
 * is not ours) and works before anything of ours is published.
 *
 * The same code serves both ways the CLI runs. From a clone (`packages/cli/dist/bin.js`), the packages are the
 * workspace's, linked by pnpm: their manifests still name `workspace:` ranges and unpublished `exports`, which are
 * rewritten here as `pnpm pack` rewrites them. Installed (`pnpm run install:global`), they are the packed packages npm
 * installed beside the CLI, already in their published form (and with their own `node_modules`, which is left out).
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ExitCode, LlmServiceError } from '@llm-service/spec';

export interface ShippedPackage {
  name: string;
  version: string;
  /** Its directory, with links resolved. */
  dir: string;
}

export interface PackedPackage {
  name: string;
  version: string;
  /** `llm-service-spec-0.1.0.tgz`: the name `npm pack` gives it. */
  fileName: string;
  tarball: Buffer;
}

interface Manifest {
  name?: unknown;
  version?: unknown;
  files?: unknown;
  publishConfig?: Record<string, unknown>;
  [field: string]: unknown;
}

/** Manifest fields `publishConfig` replaces when pnpm packs a package (those our packages use, and their kin). */
const PUBLISH_CONFIG_FIELDS = [
  'exports',
  'main',
  'module',
  'types',
  'typings',
  'bin',
  'browser',
  'imports',
  'typesVersions',
];
const RANGE_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'] as const;
/** What npm never packs, wherever it is. */
const NEVER_PACKED = new Set(['node_modules', '.git', '.DS_Store', 'npm-debug.log', '.npmrc']);
/** Top-level files npm always packs. */
const ALWAYS_PACKED = /^(?:readme|license|licence|copying)(?:\..*)?$/i;
/** The modification time npm gives every entry of a tarball it packs, so the same files make the same bytes. */
const NPM_PACK_MTIME_S = Date.UTC(1985, 9, 26, 8, 15, 0) / 1000;

function cannotShip(name: string, why: string): LlmServiceError {
  return new LlmServiceError('E_PLUGINS_NEW', `this llm-service cannot give a new plugin ${name}: ${why}`, {
    exitCode: ExitCode.requestFailed,
    hint: 'reinstall llm-service (`pnpm run install:global` in its clone), or run it from a clone after `pnpm build`',
  });
}

function readManifest(path: string): Manifest {
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

/**
 * The package `name` as an `import` would load it from `from` (a file URL or path): the first `node_modules/<name>`
 * with a package.json in the directories from `from` up. Found by directory rather than through `require.resolve`,
 * which needs the package to export `./package.json` and a `require` condition (ours export only `import`), and which
 * would also look in NODE_PATH and the global folders, where an `import` never looks.
 */
export function locateShippedPackage(name: string, from: string | URL = import.meta.url): ShippedPackage {
  let dir = dirname(from instanceof URL || from.startsWith('file:') ? fileURLToPath(from) : from);
  for (;;) {
    const manifestPath = join(dir, 'node_modules', name, 'package.json');
    if (basename(dir) !== 'node_modules' && existsSync(manifestPath)) {
      const packageDir = realpathSync(dirname(manifestPath));
      const manifest = readManifest(join(packageDir, 'package.json'));
      if (manifest.name !== name || typeof manifest.version !== 'string')
        throw cannotShip(name, `${join(packageDir, 'package.json')} is not its manifest`);
      return { name, version: manifest.version, dir: packageDir };
    }
    const parent = dirname(dir);
    if (parent === dir) throw cannotShip(name, 'it is not installed beside the CLI');
    dir = parent;
  }
}

/**
 * The manifest as published: `publishConfig`'s fields moved to the top level and `workspace:` ranges replaced by the
 * version of the package they name, as pnpm packs (`workspace:^` → `^1.2.3`, `workspace:*` → `1.2.3`); and without
 * `scripts` and `devDependencies`, which an installed package never uses (so installing it runs nothing).
 */
export function publishedManifest(
  manifest: Manifest,
  versionOf: (dependency: string) => string,
): Record<string, unknown> {
  const published: Record<string, unknown> = { ...manifest };
  if (manifest.publishConfig) {
    const publishConfig = { ...manifest.publishConfig };
    for (const field of PUBLISH_CONFIG_FIELDS)
      if (field in publishConfig) {
        published[field] = publishConfig[field];
        delete publishConfig[field];
      }
    published.publishConfig = publishConfig;
  }
  delete published.scripts;
  delete published.devDependencies;
  for (const field of RANGE_FIELDS) {
    const ranges = manifest[field];
    if (typeof ranges !== 'object' || ranges === null) continue;
    published[field] = Object.fromEntries(
      Object.entries(ranges as Record<string, string>).map(([dependency, range]) => {
        if (!range.startsWith('workspace:')) return [dependency, range];
        const wanted = range.slice('workspace:'.length);
        if (wanted === '*') return [dependency, versionOf(dependency)];
        if (wanted === '^' || wanted === '~') return [dependency, `${wanted}${versionOf(dependency)}`];
        return [dependency, wanted];
      }),
    );
  }
  return published;
}

/** Every file below `dir` that npm would pack, as paths relative to `dir` with `/`. */
function filesBelow(dir: string, prefix: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (NEVER_PACKED.has(entry.name)) continue;
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory()) files.push(...filesBelow(join(dir, entry.name), `${path}/`));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** The files of the package (besides package.json, which is written from the published manifest). */
export function packedFiles(dir: string, manifest: Manifest): string[] {
  const selected = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isFile() && ALWAYS_PACKED.test(entry.name)) selected.add(entry.name);
  if (Array.isArray(manifest.files)) {
    for (const listed of manifest.files as unknown[]) {
      if (typeof listed !== 'string' || /[*?[\]{}!]/.test(listed))
        throw cannotShip(String(manifest.name), `its "files" entry ${JSON.stringify(listed)} is a pattern`);
      const path = listed.replace(/^\.\//, '').replace(/\/+$/, '');
      const full = join(dir, path);
      if (!existsSync(full)) continue;
      if (statSync(full).isDirectory()) for (const file of filesBelow(full, `${path}/`)) selected.add(file);
      else selected.add(path);
    }
  } else {
    for (const file of filesBelow(dir, '')) selected.add(file);
  }
  selected.delete('package.json');
  return [...selected].sort();
}

function octal(header: Buffer, value: number, offset: number, length: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

/** A ustar header for a regular file; long paths are split into the prefix and name fields. */
function tarHeader(path: string, size: number, mode: number): Buffer {
  let name = path;
  let prefix = '';
  if (Buffer.byteLength(path) > 100) {
    const cut = path.lastIndexOf('/', 155);
    name = path.slice(cut + 1);
    prefix = path.slice(0, cut);
    if (cut <= 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155)
      throw new Error(`${path}: too long a path for a tar header`);
  }
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  octal(header, mode, 100, 8);
  octal(header, 0, 108, 8); // uid
  octal(header, 0, 116, 8); // gid
  octal(header, size, 124, 12);
  octal(header, NPM_PACK_MTIME_S, 136, 12);
  header.write('        ', 148, 8, 'ascii'); // the checksum counts its own field as spaces
  header.write('0', 156, 1, 'ascii'); // a regular file
  header.write('ustar\0', 257, 6, 'ascii');
  header.write('00', 263, 2, 'ascii');
  header.write(prefix, 345, 155, 'utf8');
  let checksum = 0;
  for (const byte of header) checksum += byte;
  header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

/** A gzipped tar of `entries` under `package/`, as `npm pack` lays one out. */
export function tarball(entries: readonly { path: string; content: Buffer; mode: number }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { path, content, mode } of entries) {
    blocks.push(tarHeader(`package/${path}`, content.length, mode), content);
    const padding = (512 - (content.length % 512)) % 512;
    if (padding > 0) blocks.push(Buffer.alloc(padding));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** The files a published manifest's `exports`, `main` and `types` name (without patterns), relative to its directory. */
export function exportedFiles(manifest: Record<string, unknown>): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.startsWith('./') && !value.includes('*')) found.add(value.slice(2));
    } else if (typeof value === 'object' && value !== null) Object.values(value).forEach(visit);
  };
  visit(manifest.exports);
  for (const field of ['main', 'types', 'typings'])
    if (typeof manifest[field] === 'string') visit(`./${String(manifest[field]).replace(/^\.\//, '')}`);
  return [...found].sort();
}

/** Packs an installed or workspace package directory as its published tarball. */
export function packShippedPackage(pkg: ShippedPackage): PackedPackage {
  const manifest = readManifest(join(pkg.dir, 'package.json'));
  const from = pathToFileURL(join(pkg.dir, 'package.json'));
  const published = publishedManifest(
    manifest,
    (dependency) => locateShippedPackage(dependency, from).version,
  );
  const files = packedFiles(pkg.dir, manifest);
  const missing = exportedFiles(published).filter((file) => file !== 'package.json' && !files.includes(file));
  if (missing.length > 0)
    throw cannotShip(pkg.name, `${join(pkg.dir, missing[0]!)} is missing (is the package built?)`);
  const entries = [
    { path: 'package.json', content: Buffer.from(`${JSON.stringify(published, null, 2)}\n`), mode: 0o644 },
    ...files.map((path) => {
      const full = join(pkg.dir, path);
      return {
        path,
        content: readFileSync(full),
        mode: (statSync(full).mode & 0o111) !== 0 ? 0o755 : 0o644,
      };
    }),
  ];
  return {
    name: pkg.name,
    version: pkg.version,
    fileName: `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`,
    tarball: tarball(entries),
  };
}
