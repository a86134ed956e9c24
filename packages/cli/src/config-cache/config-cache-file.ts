import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { maxConfigFileBytes, type ConfigCache } from '@llm-service/config';
import type { DiscoveredConfigDir, ResolvedConfig } from '@llm-service/spec';
import { readTextFile, userCacheHome, writeFileAtomicSync } from '@llm-service/plugin-kit';
import { cliVersion } from '../version.js';

/** Whether this process validated a configuration and kept it: the next run of the same files will read it here. */
let keptThisProcess = false;

export function keptAConfiguration(): boolean {
  return keptThisProcess;
}

/** The files of the configuration this process last read from the cache or kept in it. */
let filesOfKept: readonly string[] | undefined;

/**
 * The files of the configuration this process ran on, when the cache holds it (so it names no plugin of its own and
 * reads no environment variable); undefined otherwise. The prestart records only such runs (see prestart-launcher.ts).
 */
export function cachedConfigurationFiles(): readonly string[] | undefined {
  return filesOfKept;
}

/** Notes the files of the configuration this process runs on, which the cache holds. */
function ranOn(location: DiscoveredConfigDir, names: readonly string[]): void {
  filesOfKept = names.map((name) => join(location.dir, name));
}

/** What a cache file holds: the configuration, and what it was validated from. */
interface CacheEntry {
  format: 1;
  build: string;
  files: string;
  config: ResolvedConfig;
}

/**
 * Which build of llm-service validated a cached configuration: its version, and the size and time of the code that
 * holds this module (the bundle). A build with other plugin schemas (another release, or a rebuilt development copy
 * of the same version) never reads a configuration an older one validated.
 */
function buildFingerprint(): string {
  try {
    const code = statSync(fileURLToPath(import.meta.url));
    return `${cliVersion}:${code.size}:${code.mtimeMs}`;
  } catch {
    return `${cliVersion}:unknown:${Date.now()}`;
  }
}

/**
 * The configurations this user's runs validated, one file per configuration directory in
 * `$XDG_CACHE_HOME/llm-service/config/`: parsing and validating the YAML files is the largest part of `exec`'s
 * start after loading its own code (about 10 ms of CPU), and configurations change far less often than they run.
 *
 * A configuration is used again only when every file it was read from has exactly the text it had, and the same
 * build validated it. Core hands over only configurations that name no plugin of their own (a plugin's schema may
 * change without any config file changing). A configuration that reads an environment variable (`${VAR}`) is never
 * kept: its values may change between runs, and may be secrets that must not be copied to disk.
 */
export class ConfigCacheFile implements ConfigCache {
  readonly #directory: string;
  /** Looked up when the cache is first used, not when a kernel is made. */
  #buildOnce: string | undefined;

  get #build(): string {
    return (this.#buildOnce ??= buildFingerprint());
  }

  constructor(env: Readonly<Record<string, string | undefined>>) {
    this.#directory = join(userCacheHome(env), 'config');
  }

  get(location: DiscoveredConfigDir, names: readonly string[]): ResolvedConfig | undefined {
    const files = readTexts(location.dir, names);
    if (files === undefined) return undefined;
    let entry: CacheEntry;
    try {
      entry = JSON.parse(readFileSync(this.#fileOf(location), 'utf8')) as CacheEntry;
    } catch {
      return undefined;
    }
    const current = entry.format === 1 && entry.build === this.#build && entry.files === fingerprint(files);
    if (!current) return undefined;
    ranOn(location, names);
    return entry.config;
  }

  set(
    location: DiscoveredConfigDir,
    names: readonly string[],
    files: ReadonlyMap<string, string>,
    config: ResolvedConfig,
  ): void {
    const texts = names.map((name) => files.get(name));
    if (texts.some((text) => text?.includes('${'))) return;
    const entry: CacheEntry = { format: 1, build: this.#build, files: fingerprint(texts), config };
    const serialized = JSON.stringify(entry);
    // Only what JSON gives back unchanged: a plugin's schema may build values JSON cannot hold.
    if (!isDeepStrictEqual((JSON.parse(serialized) as CacheEntry).config, config)) return;
    try {
      mkdirSync(this.#directory, { recursive: true, mode: 0o700 });
      writeFileAtomicSync(this.#fileOf(location), serialized, { mode: 0o600 });
      keptThisProcess = true;
      ranOn(location, names);
    } catch {
      // A cache that cannot be written costs only the next run's validation.
    }
  }

  /** One file per configuration directory (and how it was found), rewritten as the configuration changes. */
  #fileOf(location: DiscoveredConfigDir): string {
    const name = createHash('sha256').update(`${location.source}\0${location.dir}`).digest('hex');
    return join(this.#directory, `${name.slice(0, 32)}.json`);
  }
}

/** Each file's text by name, `undefined` for an absent one; `undefined` when one cannot be read as a config. */
function readTexts(dir: string, names: readonly string[]): (string | undefined)[] | undefined {
  const texts: (string | undefined)[] = [];
  for (const name of names) {
    const read = readTextFile(join(dir, name), { maxBytes: maxConfigFileBytes });
    if (read.ok) texts.push(read.text);
    else if (read.reason === 'missing') texts.push(undefined);
    else return undefined;
  }
  return texts;
}

function fingerprint(texts: readonly (string | undefined)[]): string {
  const hash = createHash('sha256');
  for (const text of texts) hash.update(text === undefined ? '\0absent\0' : `${text.length}\0${text}`);
  return hash.digest('hex');
}
