import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, type Dirent } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { lazySchema, z } from '@llm-service/spec';
import { LlmServiceError, ExitCode, configFileNames } from '@llm-service/spec';
import {
  acquireLockFile,
  fileStamp,
  readRegularFile,
  userDataHome,
  writeFileAtomicSync,
} from '@llm-service/plugin-kit';

/**
 * The trust store. `files` (a digest per file, added later) lets a change be described file by file; entries written
 * before it have only `sha256` and are honoured as they are. Loose objects: fields a newer llm-service adds survive
 * this one rewriting the store, and an older one reading it ignores `files`.
 */
const trustEntrySchema = lazySchema(() =>
  z.looseObject({
    sha256: z.string(),
    trustedAt: z.string(),
    files: z.record(z.string(), z.string()).optional(),
  }),
);
const trustStoreSchema = lazySchema(() =>
  z.looseObject({
    version: z.literal(1),
    trusted: z.record(z.string(), trustEntrySchema),
  }),
);
type TrustStore = z.output<typeof trustStoreSchema>;
type TrustEntry = z.output<typeof trustEntrySchema>;

/** Per-file digests are kept short: they only say which files changed; the whole-config sha256 decides trust. */
const storedDigestLength = 16;

/** Plugin modules and tool programs can be large; past this, a file is hashed as what it is, not read whole. */
const maxHashedFileBytes = 64 * 1024 * 1024;

/**
 * A file's bytes for the trust hash; undefined when it does not exist. A device, FIFO or oversized file is never read
 * (a link to /dev/zero would be read forever): it is hashed as a marker of what it is, so swapping a file for one
 * still changes the hash.
 */
function readOrUndefined(path: string): Buffer | undefined {
  const read = readRegularFile(path, { maxBytes: maxHashedFileBytes });
  if (read.ok) return read.bytes;
  return read.reason === 'missing' ? undefined : Buffer.from(`<${read.reason}>`);
}

function parsedYaml(content: Buffer | undefined): unknown {
  if (!content) return undefined;
  try {
    return parse(content.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const isRelativePath = (entry: unknown): entry is string =>
  typeof entry === 'string' && /^\.\.?\//.test(entry);

/** Plugin modules named by relative path in llm-service.yaml: code the config runs, so part of what is trusted. */
function localPluginPaths(dir: string, settings: Buffer | undefined): string[] {
  const plugins = (parsedYaml(settings) as { plugins?: unknown } | null | undefined)?.plugins;
  if (!Array.isArray(plugins)) return [];
  return plugins
    .filter(isRelativePath)
    .map((entry) => resolve(dir, entry))
    .sort();
}

/**
 * Tool programs given by a path inside the project (`binary: ./scripts/llm.sh`): a project can change them as easily
 * as its config, so they are trusted with it. Programs found on PATH are the user's own, not the project's.
 */
function localBinaryPaths(dir: string, tools: Buffer | undefined): string[] {
  const entries = (parsedYaml(tools) as { tools?: unknown } | null | undefined)?.tools;
  if (typeof entries !== 'object' || entries === null) return [];
  return Object.values(entries)
    .map((tool: unknown) =>
      typeof tool === 'object' && tool !== null ? (tool as { binary?: unknown }).binary : undefined,
    )
    .filter(
      (binary): binary is string => typeof binary === 'string' && binary.includes('/') && !isAbsolute(binary),
    )
    .map((binary) => resolve(dir, binary))
    .sort();
}

/**
 * Files Node can load, or a plugin read as its data: modules, JSON, native addons, WebAssembly, YAML. Other files
 * under a config directory (a telemetry database someone put there, logs) change on every run and run nothing.
 */
const loadableFile = /\.(?:[cm]?[jt]s|json|node|wasm|ya?ml)$/;
/** Directories no module is loaded from. */
const skippedDirectories = new Set(['.git']);

/**
 * Every loadable file under `root`, recursively, sorted. Symbolic links to directories are not followed (a linked
 * `node_modules` would take the walk anywhere); a linked file counts with what it points to.
 */
function loadableFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skippedDirectories.has(entry.name)) walk(path);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && loadableFile.test(entry.name)) {
        found.push(path);
      }
    }
  };
  walk(root);
  return found.sort();
}

/** The package a plugin module belongs to: the nearest directory upwards with a package.json, else its own. */
function packageRoot(modulePath: string): string {
  const start = dirname(modulePath);
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

const isInside = (dir: string, path: string) => {
  const fromDir = relative(dir, path);
  return fromDir === '' || (!fromDir.startsWith('..') && !isAbsolute(fromDir));
};

/** A file's digest, reused from `cache` while its size, times and inode are unchanged. */
function fileDigest(path: string, cache: HashCache): string {
  const stamp = fileStamp(path);
  if (stamp === undefined) return 'missing';
  const cached = cache.entries[path];
  if (cached?.stamp === stamp) return cached.sha256;
  const content = readOrUndefined(path);
  const sha256 = createHash('sha256')
    .update(content ?? '<missing>')
    .digest('hex');
  cache.entries[path] = { stamp, sha256 };
  cache.changed = true;
  return sha256;
}

interface HashCache {
  entries: Record<string, { stamp: string; sha256: string }>;
  changed: boolean;
}

/** A config's hash and, by label (`file:<path>`, `binary:<path>`), the digest of each file that went into it. */
interface ConfigDigest {
  sha256: string;
  files: Record<string, string>;
}

/**
 * Hash of everything the config can run: every config file's name and content, every loadable file under the config
 * directory (local plugins and their helper modules, a `node_modules` beside the config), the whole package of each
 * plugin named by a path outside it, and tool programs named by a path. Any change needs trusting again. `cache`
 * keeps file digests by size, times and inode, so a check reads only what changed.
 */
export function hashConfigDir(dir: string): string {
  return digestThroughCache(dir, { entries: {}, changed: false }).sha256;
}

function digestThroughCache(dir: string, cache: HashCache): ConfigDigest {
  const hash = createHash('sha256');
  const files: Record<string, string> = {};
  const addFile = (label: string, path: string) => {
    const digest = fileDigest(path, cache);
    hash.update(`${label}\0${digest}\0`);
    files[label] = digest.slice(0, storedDigestLength);
  };
  // The config files are YAML in `dir`, so they are among its loadable files, as local plugins and their modules are.
  for (const path of loadableFiles(dir)) addFile(`file:${relative(dir, path)}`, path);
  const outside = localPluginPaths(dir, readOrUndefined(join(dir, configFileNames.settings)))
    .filter((plugin) => !isInside(dir, plugin))
    .map(packageRoot);
  for (const root of [...new Set(outside)].sort())
    for (const path of loadableFiles(root)) addFile(`file:${path}`, path);
  for (const binary of localBinaryPaths(dir, readOrUndefined(join(dir, configFileNames.tools))))
    addFile(`binary:${binary}`, binary);
  return { sha256: hash.digest('hex'), files };
}

/** What differs between the files a config was trusted with and its files now, as paths relative to the config. */
export interface TrustChanges {
  added: string[];
  removed: string[];
  modified: string[];
}

/** A label's file as the user knows it: relative to the config directory when inside it, else its full path. */
function labelPath(dir: string, label: string): string {
  const path = label.replace(/^(?:file|binary):/, '');
  return isAbsolute(path) && isInside(dir, path) ? relative(dir, path) : path;
}

function compareFiles(
  dir: string,
  before: Readonly<Record<string, string>>,
  now: Readonly<Record<string, string>>,
): TrustChanges {
  const added = new Set<string>();
  const removed = new Set<string>();
  const modified = new Set<string>();
  for (const [label, digest] of Object.entries(now)) {
    const old = before[label];
    if (old === undefined) added.add(labelPath(dir, label));
    else if (old !== digest) modified.add(labelPath(dir, label));
  }
  for (const label of Object.keys(before)) if (now[label] === undefined) removed.add(labelPath(dir, label));
  // A tool program inside the directory is both a file and a binary: one change, said once.
  for (const path of modified) {
    added.delete(path);
    removed.delete(path);
  }
  for (const path of added)
    if (removed.has(path)) {
      added.delete(path);
      removed.delete(path);
      modified.add(path);
    }
  const sorted = (paths: Set<string>) => [...paths].sort();
  return { added: sorted(added), removed: sorted(removed), modified: sorted(modified) };
}

/** How many changed files a one-line message names before it says how many more there are. */
const namedInOneLine = 5;

/**
 * The changes in one line, e.g. `modified: agents.yaml; added: plugins/audit.mjs`, naming at most `limit` files and
 * then how many more.
 */
export function describeTrustChanges(changes: TrustChanges, limit = namedInOneLine): string {
  const parts: string[] = [];
  let named = 0;
  const total = changes.modified.length + changes.added.length + changes.removed.length;
  for (const [kind, paths] of [
    ['modified', changes.modified],
    ['added', changes.added],
    ['removed', changes.removed],
  ] as const) {
    const shown = paths.slice(0, Math.max(0, limit - named));
    named += shown.length;
    if (shown.length > 0) parts.push(`${kind}: ${shown.join(', ')}`);
  }
  const more = total - named;
  return `${parts.join('; ')}${more > 0 ? `; and ${more} more file${more === 1 ? '' : 's'}` : ''}`;
}

/** Whether a config may run, and for one that changed since it was trusted, which of its files changed. */
export interface TrustCheck {
  status: 'trusted' | 'changed' | 'untrusted';
  /** When it was last trusted (ISO 8601), unless it never was. */
  trustedAt?: string;
  /**
   * For `changed`: the files that differ. Undefined when the trust was recorded by an llm-service that kept no
   * per-file digests (it is honoured all the same; only which files changed cannot be said).
   */
  changes?: TrustChanges;
}

function checkAgainst(dir: string, entry: TrustEntry | undefined, now: ConfigDigest): TrustCheck {
  if (!entry) return { status: 'untrusted' };
  if (entry.sha256 === now.sha256) return { status: 'trusted', trustedAt: entry.trustedAt };
  const changes = entry.files ? compareFiles(dir, entry.files, now.files) : undefined;
  const known =
    changes && changes.added.length + changes.removed.length + changes.modified.length > 0
      ? changes
      : undefined;
  return { status: 'changed', trustedAt: entry.trustedAt, ...(known ? { changes: known } : {}) };
}

/** The directory's real path, so a config reached through a symlink (macOS `/tmp`) is one entry, not two. */
function canonicalPath(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

const hashCacheSchema = lazySchema(() =>
  z.object({
    version: z.literal(1),
    files: z.record(z.string(), z.object({ stamp: z.string(), sha256: z.string() })),
  }),
);

export class TrustStoreFile {
  readonly path: string;
  /** File digests by size, times and inode, so checking a config with many files reads only what changed. */
  readonly #cachePath: string;

  constructor(env: Readonly<Record<string, string | undefined>>) {
    this.path = join(userDataHome(env), 'trust.json');
    this.#cachePath = join(userDataHome(env), 'trust-hashes.json');
  }

  /** The config's digests, through the digest cache; a cache that cannot be read or written only makes it slower. */
  #digest(dir: string): ConfigDigest {
    let entries: HashCache['entries'] = {};
    try {
      const parsed = hashCacheSchema.safeParse(JSON.parse(readFileSync(this.#cachePath, 'utf8')));
      if (parsed.success) entries = parsed.data.files;
    } catch {
      // No cache yet, or not ours: start empty.
    }
    const cache: HashCache = { entries, changed: false };
    const digest = digestThroughCache(dir, cache);
    if (cache.changed) {
      try {
        mkdirSync(dirname(this.#cachePath), { recursive: true, mode: 0o700 });
        writeFileAtomicSync(this.#cachePath, JSON.stringify({ version: 1, files: cache.entries }), {
          mode: 0o600,
        });
      } catch {
        // A read-only data directory: every check hashes again.
      }
    }
    return digest;
  }

  #read(): TrustStore {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      // Only a store that does not exist yet is empty; an unreadable one must not be silently replaced.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, trusted: {} };
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = trustStoreSchema.safeParse(json);
    if (!parsed.success) {
      throw new LlmServiceError('E_TRUST_STORE', `the trust store ${this.path} is not valid`, {
        exitCode: ExitCode.usage,
        hint: 'delete it and trust your configs again with `llm-service config trust`',
      });
    }
    return parsed.data;
  }

  status(dir: string): TrustCheck['status'] {
    return this.check(dir).status;
  }

  /** Whether `dir` is trusted as it is now; for a changed one, which files changed since. */
  check(dir: string): TrustCheck {
    const entry = this.#read().trusted[canonicalPath(dir)];
    // An untrusted directory is not hashed: nothing to compare with, and its files may be many.
    return entry ? checkAgainst(dir, entry, this.#digest(dir)) : { status: 'untrusted' };
  }

  /**
   * Records `dir` as trusted at its current hash. Read, change and write happen under a lock, so concurrent `config
   * trust` runs each keep their entry (without it, the last writer's copy of the store dropped the others'), and the
   * store is replaced atomically, so a reader never sees half of it.
   */
  trust(dir: string, now = new Date()): string {
    return this.record(dir, now).sha256;
  }

  /** As `trust`, also saying how the config stood before: untrusted, unchanged, or changed in which files. */
  record(dir: string, now = new Date()): { sha256: string; before: TrustCheck } {
    const digest = this.#digest(dir);
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const release = acquireLockFile(`${this.path}.lock`, { waitMs: 10_000 });
    if (!release) {
      throw new LlmServiceError(
        'E_TRUST_STORE',
        `another llm-service is writing the trust store ${this.path}`,
        {
          exitCode: ExitCode.usage,
          hint: `try again; if none is running, remove ${this.path}.lock`,
        },
      );
    }
    try {
      const store = this.#read();
      const key = canonicalPath(dir);
      const before = checkAgainst(dir, store.trusted[key], digest);
      store.trusted[key] = { sha256: digest.sha256, trustedAt: now.toISOString(), files: digest.files };
      writeFileAtomicSync(this.path, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 });
      return { sha256: digest.sha256, before };
    } finally {
      release();
    }
  }
}

/** A project config can name plugins and binaries to run, so it runs only once the user has trusted it (as direnv does). */
export function assertTrusted(dir: string, store: TrustStoreFile): void {
  const check = store.check(dir);
  if (check.status === 'trusted') return;
  const trust = `\`llm-service config trust --config-dir ${dir}\``;
  if (check.status === 'untrusted') {
    throw new LlmServiceError(
      'E_CONFIG_UNTRUSTED',
      `the project config ${dir} is not trusted yet; it can name plugins and programs to run`,
      {
        exitCode: ExitCode.usage,
        hint: `review it (\`llm-service config validate\` checks it without running any of it), then run ${trust}`,
      },
    );
  }
  const which = check.changes
    ? describeTrustChanges(check.changes)
    : 'which files changed is not known: it was trusted by an earlier version of llm-service';
  throw new LlmServiceError(
    'E_CONFIG_UNTRUSTED',
    `the project config ${dir} has changed since it was trusted (${which}); it can name plugins and programs to run`,
    {
      exitCode: ExitCode.usage,
      hint: check.changes
        ? `review those files (\`llm-service config validate\` lists every change and checks the config without running it), then run ${trust}`
        : `review it (\`llm-service config validate\` checks it without running any of it), then run ${trust}`,
    },
  );
}
