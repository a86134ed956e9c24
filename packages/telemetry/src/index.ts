import { definePlugin, type PluginDefinition } from '@llm-service/core';
import { telemetrySectionSchema } from './telemetry-schema.js';

export { telemetrySectionSchema, type TelemetrySection } from './telemetry-schema.js';

/**
 * Records invocations. This first version owns and validates the `telemetry:` section of llm-service.yaml; it
 * registers no sink and provides no ledger yet.
 */
const plugin: PluginDefinition = definePlugin({
  name: '@llm-service/telemetry',
  version: '0.1.0',
  apiVersion: '^1.0.0',
  configSchema: {
    sections: { telemetry: telemetrySectionSchema },
  },
  register() {},
});

export default plugin;
