/**
 * `@llm-service/config`: the configuration. Where it is (discovery), what its files say (YAML read with positions,
 * `${VAR}` resolved), whether it is valid (core's schemas, the plugins' contributions and cross-references, every
 * problem located at its file, line and column), and the plugins it names. The kernel (`@llm-service/core`) runs
 * what this package loads; distributions use it directly for `config validate`, `config schema` and the like.
 */
// Loading
export {
  loadConfig,
  resolveConfigWithFile,
  type ConfigCache,
  type LoadConfigOptions,
  type LoadedConfig,
} from './load/load-config.js';
export { discoverConfigDir } from './discovery/discover-config-dir.js';
// Files
export {
  holdsConfig,
  maxConfigFileBytes,
  readConfigFile,
  readConfigSources,
  type ConfigSources,
} from './files/read-config-files.js';
export { interpolateEnv, type InterpolationProblem } from './files/interpolate-env.js';
// Validation
export {
  collectConfigSchemas,
  deepFreeze,
  resolveConfig,
  type ConfigSchemas,
} from './validation/resolve-config.js';
export { parseToolModel } from './validation/cross-references.js';
export { coreSettingsShape, projectOf } from './validation/file-schemas.js';
// Plugins named in llm-service.yaml
export { checkApiVersion } from './plugins/api-version.js';
export { importPlugin, resolvePluginUrl, validatePluginDefinition } from './plugins/import-plugin.js';
export { locatePluginSpecifiers, readPluginSpecifiers } from './plugins/plugin-specifiers.js';
