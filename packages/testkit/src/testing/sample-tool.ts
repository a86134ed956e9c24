import type { ToolConfig } from '@llm-service/spec';

/** A tools.yaml entry as core's loader completes it, for the testkit's own tests (not exported). */
export const sampleTool: ToolConfig = {
  adapter: 'x',
  binary: 'x',
  models: ['m'],
  timeout_s: 600,
  env: {},
  env_required: [],
  retry: { max: 0, base_ms: 500 },
  billing: 'api',
};
