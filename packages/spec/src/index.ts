/**
 * `@llm-service/spec`: what a plugin compiles against. The versioned contracts, the events, the errors, the plugin
 * API and the config schemas a plugin extends; nothing that runs a request. Runtime dependencies: zod and rxjs.
 */
// Errors
export * from './errors/index.js';
// Contracts
export * from './contracts/v1/adapter.js';
export * from './contracts/v1/routing.js';
export * from './contracts/v1/policy.js';
export * from './contracts/v2/policy.js';
export * from './contracts/v1/sink.js';
export * from './contracts/v1/telemetry.js';
export * from './contracts/v1/telemetry-store.js';
export * from './contracts/v1/plan-windows.js';
export * from './contracts/v1/command.js';
export * from './contracts/v1/cost-estimator.js';
export * from './contracts/v1/tasks.js';
export * from './contracts/v1/kernel-handle.js';
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
// Configuration
export * from './config/resolved-config.js';
export {
  agentSchema,
  configVersionSchema,
  coreToolShape,
  identifierSchema,
  maxRetryBaseMs,
  maxTimeoutSeconds,
  modelSchema,
  taskTypeRouteSchema,
  type AgentConfig,
  type ModelPrice,
  type TaskTypeRoute,
  type ToolConfig,
} from './config/schemas.js';
// Plugins build their schemas with the spec's zod, so every schema in one config shares one zod instance.
export * as z from './schema/zod.js';
export type { SchemaInput, SchemaOutput } from './schema/zod.js';
export { lazySchema } from './schema/lazy-schema.js';
// Adapters return observables from the spec's rxjs, so the kernel and plugins agree on one implementation.
export { Observable } from 'rxjs';
