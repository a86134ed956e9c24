// Errors
export * from './errors/index.js';
// Contracts
export * from './contracts/adapter.js';
export * from './contracts/routing.js';
export * from './contracts/policy.js';
export * from './contracts/sink.js';
export * from './contracts/telemetry.js';
export * from './contracts/command.js';
// Events
export * from './events/events.js';
export {
  EventBus,
  type EventHandler,
  type EventSubscription,
  type SubscriberFailureReporter,
} from './events/event-bus.js';
// Plugin API
export * from './plugin/define-plugin.js';
export * from './plugin/tokens.js';
export {
  PluginError,
  importPlugin,
  moduleImporterKey,
  resolvePluginUrl,
  validatePluginDefinition,
} from './plugin/load-plugins.js';
// Configuration
export * from './config/resolved-config.js';
export {
  agentSchema,
  coreToolShape,
  modelSchema,
  type AgentConfig,
  type ModelPrice,
  type TaskTypeRoute,
  type ToolConfig,
} from './config/schemas.js';
export {
  discoverConfigDir,
  userConfigHome,
  userDataHome,
  type ConfigDirSource,
  type DiscoveredConfigDir,
} from './config/discover.js';
export {
  collectConfigSchemas,
  parseToolModel,
  readConfigSources,
  readPluginSpecifiers,
  resolveConfig,
} from './config/load-config.js';
export { hashConfigDir, TrustStoreFile } from './config/trust.js';
export { interpolateEnv } from './config/interpolate.js';
// Routing and kernel
export { planRoute, type RoutePlan, type RouteRequest } from './routing/plan-route.js';
export * from './kernel/kernel.js';
export { buildPrompt, type ContextFile } from './kernel/build-prompt.js';
export { computeCostUsd, priceHash } from './kernel/cost.js';
// Adapter toolkit
export { runTool, type RunToolOptions, type RunToolResult } from './process/run-tool.js';
export { findExecutable } from './process/find-executable.js';
export * from './process/tool-launch.js';
export { invocationObservable } from './process/invocation-observable.js';
export { closestMatch, suggestName } from './text/did-you-mean.js';
// Plugins build their schemas with core's zod, so every schema in one config shares one zod instance.
export * as z from './schema/zod.js';
export type { SchemaInput, SchemaOutput } from './schema/zod.js';
// Adapters return observables from core's rxjs, so the kernel and plugins agree on one implementation.
export { Observable } from 'rxjs';
