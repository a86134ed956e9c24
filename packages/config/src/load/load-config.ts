import { basename, dirname, resolve as resolvePath } from 'node:path';
import {
  PluginError,
  UsageError,
  configFileNames,
  requiredConfigFiles,
  type DiscoveredConfigDir,
  type PluginDefinition,
  type ResolvedConfig,
} from '@llm-service/spec';
import { readConfigFile, readConfigSources } from '../files/read-config-files.js';
import { importPlugin } from '../plugins/import-plugin.js';
import { locatePluginSpecifiers } from '../plugins/plugin-specifiers.js';
import { collectConfigSchemas, deepFreeze, resolveConfig } from '../validation/resolve-config.js';

/**
 * Validated configurations kept between runs: parsing and validating is most of what loading costs, and files change
 * far less often than requests run. `loadConfig` asks before reading anything but the files, and offers each
 * configuration it validated that names no plugin of its own (such a plugin's schema can change with no file
 * changing). What `get` returns is used as it is: it must be a configuration `set` was given for exactly the texts
 * the files named now hold.
 */
export interface ConfigCache {
  /** The configuration validated from the files `names` of `location` as they are now, if kept. */
  get(location: DiscoveredConfigDir, names: readonly string[]): ResolvedConfig | undefined;
  /** A configuration just validated; `files` holds the text read of each of `names` (none for a missing one). */
  set(
    location: DiscoveredConfigDir,
    names: readonly string[],
    files: ReadonlyMap<string, string>,
    config: ResolvedConfig,
  ): void;
}

export interface LoadConfigOptions {
  /** The plugins a distribution always loads; those the configuration names are added to them. */
  plugins: readonly PluginDefinition[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  cache?: ConfigCache | undefined;
}

/** A validated configuration and every plugin it is validated with: the given ones, then those it names. */
export interface LoadedConfig {
  config: ResolvedConfig;
  plugins: readonly PluginDefinition[];
}

/**
 * Reads and validates the configuration at `location`, loading the plugins its llm-service.yaml names (their schemas
 * validate the rest); a kept configuration is used when its files have not changed. Throws one `ConfigError` holding
 * every problem found.
 */
export async function loadConfig(
  location: DiscoveredConfigDir,
  options: LoadConfigOptions,
): Promise<LoadedConfig> {
  const plugins = [...options.plugins];
  // With every file the given plugins read, so that a configuration naming no other plugin is read in one pass.
  const names = [
    ...new Set<string>([
      ...requiredConfigFiles,
      configFileNames.settings,
      configFileNames.policies,
      ...plugins.flatMap((plugin) => Object.keys(plugin.configSchema?.files ?? {})),
    ]),
  ];
  const cached = options.cache?.get(location, names);
  if (cached) return { config: deepFreeze(cached), plugins };

  const sources = readConfigSources(location.dir, location.source, options.cwd, names);
  const named = locatePluginSpecifiers(sources, options.env);
  for (const { specifier, where } of named) {
    const plugin = await importPlugin(specifier, location.dir).catch((error: unknown) => {
      // Say where the plugin is named, so the user knows which line to fix.
      if (error instanceof PluginError)
        throw new PluginError(
          specifier,
          `${error.message.replace(`plugin ${specifier}: `, '')} (named at ${where})`,
          error.hint,
          error.cause,
        );
      throw error;
    });
    if (!plugins.some((loaded) => loaded.name === plugin.name)) plugins.push(plugin);
  }
  const config = resolveConfig(sources, collectConfigSchemas(plugins), options.env);
  if (named.length === 0) {
    const texts = new Map([...sources.files].map(([name, source]) => [name, source.text]));
    options.cache?.set(location, names, texts, config);
  }
  return { config, plugins };
}

/**
 * The configuration validated again with one of its files replaced by another (`policies simulate --policies
 * other.yaml`), by the same plugins.
 */
export function resolveConfigWithFile(
  loaded: LoadedConfig,
  file: { name: string; path: string },
  options: Pick<LoadConfigOptions, 'cwd' | 'env'>,
): ResolvedConfig {
  const absolutePath = resolvePath(options.cwd, file.path);
  const other = readConfigFile(dirname(absolutePath), basename(absolutePath), options.cwd);
  if (!other.source) throw new UsageError(`cannot read ${file.path}`, { hint: `give a ${file.name} file` });
  const sources = readConfigSources(loaded.config.dir, 'flag', options.cwd);
  const files = new Map(sources.files);
  files.set(file.name, other.source);
  const issues = [...sources.issues, ...other.issues];
  return resolveConfig({ ...sources, files, issues }, collectConfigSchemas(loaded.plugins), options.env);
}
