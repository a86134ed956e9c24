/**
 * `@llm-service/core`: the runtime. Loads the configuration and the plugins, plans routes, runs requests through the
 * contracts of `@llm-service/spec`, and is what distributions (the CLI) compose. Plugins never depend on it.
 */
// The library API
export { createKernel, Kernel, type KernelLogger, type KernelOptions } from './kernel/kernel.js';
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
// The configuration a kernel loads: `@llm-service/config`.
export type { ConfigCache } from '@llm-service/config';
// Routing and the prompt
export { planRoute } from './routing/plan-route.js';
export { buildPrompt } from './kernel/build-prompt.js';
