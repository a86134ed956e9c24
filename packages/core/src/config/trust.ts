import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from '@llm-service/spec';
import { LlmServiceError, ExitCode, configFileNames } from '@llm-service/spec';
import { acquireLockFile, readRegularFile, userDataHome, writeFileAtomicSync } from '@llm-service/plugin-kit';

const trustStoreSchema = z.object({
  version: z.literal(1),
  trusted: z.record(z.string(), z.object({ sha256: z.string(), trustedAt: z.string() })),
});
type TrustStore = z.output<typeof trustStoreSchema>;

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
 * Hash of every config file's name and content, and of local plugin modules and tool programs: any change to what
 * the config can run
 * needs trusting again.
 */
export function hashConfigDir(dir: string): string {
  const hash = createHash('sha256');
  const add = (label: string, content: Buffer | undefined) => {
    if (content === undefined) return;
    hash.update(`${label}\0${content.length}\0`);
    hash.update(content);
  };
  for (const name of Object.values(configFileNames).sort()) add(name, readOrUndefined(join(dir, name)));
  for (const plugin of localPluginPaths(dir, readOrUndefined(join(dir, configFileNames.settings)))) {
    add(`plugin:${plugin}`, readOrUndefined(plugin));
  }
  for (const binary of localBinaryPaths(dir, readOrUndefined(join(dir, configFileNames.tools)))) {
    add(`binary:${binary}`, readOrUndefined(binary));
  }
  return hash.digest('hex');
}

/** The directory's real path, so a config reached through a symlink (macOS `/tmp`) is one entry, not two. */
function canonicalPath(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

export class TrustStoreFile {
  readonly path: string;

  constructor(env: Readonly<Record<string, string | undefined>>) {
    this.path = join(userDataHome(env), 'trust.json');
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

  status(dir: string): 'trusted' | 'changed' | 'untrusted' {
    const entry = this.#read().trusted[canonicalPath(dir)];
    if (!entry) return 'untrusted';
    return entry.sha256 === hashConfigDir(dir) ? 'trusted' : 'changed';
  }

  /**
   * Records `dir` as trusted at its current hash. Read, change and write happen under a lock, so concurrent `config
   * trust` runs each keep their entry (without it, the last writer's copy of the store dropped the others'), and the
   * store is replaced atomically, so a reader never sees half of it.
   */
  trust(dir: string, now = new Date()): string {
    const sha256 = hashConfigDir(dir);
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
      store.trusted[canonicalPath(dir)] = { sha256, trustedAt: now.toISOString() };
      writeFileAtomicSync(this.path, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 });
    } finally {
      release();
    }
    return sha256;
  }
}

/** A project config can name plugins and binaries to run, so it runs only once the user has trusted it (as direnv does). */
export function assertTrusted(dir: string, store: TrustStoreFile): void {
  const status = store.status(dir);
  if (status === 'trusted') return;
  const what = status === 'changed' ? 'has changed since it was trusted' : 'is not trusted yet';
  throw new LlmServiceError(
    'E_CONFIG_UNTRUSTED',
    `the project config ${dir} ${what}; it can name plugins and programs to run`,
    {
      exitCode: ExitCode.usage,
      hint: `review it, then run \`llm-service config trust --config-dir ${dir}\``,
    },
  );
}
