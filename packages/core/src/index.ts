/**
 * `@llm-service/core`: the runtime. Loads the configuration and the plugins, plans routes, runs requests through the
 * contracts of `@llm-service/spec`, and is what distributions (the CLI) compose. Plugins never depend on it.
 */
// The library API
export {
  createKernel,
  Kernel,
  type ConfigCache,
  type KernelLogger,
  type KernelOptions,
} from './kernel/kernel.js';
export type {
  AttemptSummary,
  ContextFile,
  ExecOptions,
  ExecRequest,
  ExecResult,
  KernelHandle,
  RoutePlan,
  RouteRequest,
} from '@llm-service/spec';
// Configuration: discovery, loading, locating a field in its file (for distributions and tools built on the kernel)
export { discoverConfigDir } from './config/discover.js';
export {
  collectConfigSchemas,
  parseToolModel,
  holdsConfig,
  locatePluginSpecifiers,
  maxConfigFileBytes,
  readConfigSources,
  readPluginSpecifiers,
  resolveConfig,
  type ConfigSchemas,
  type ConfigSources,
} from './config/load-config.js';
export { locate, toPlainValue, type YamlSource } from '@llm-service/plugin-kit';
export { interpolateEnv } from './config/interpolate.js';
export { coreSettingsShape, projectOf } from './config/file-schemas.js';
// Plugins
export { importPlugin, resolvePluginUrl, validatePluginDefinition } from './plugin/load-plugins.js';
// Routing and the prompt
export { planRoute } from './routing/plan-route.js';
export { buildPrompt } from './kernel/build-prompt.js';
