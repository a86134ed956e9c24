import { definePlugin, type PluginDefinition, type z } from '@llm-service/spec';
import { version } from '../package.json';
import { createGenericYamlAdapter } from './adapter/generic-yaml-adapter.js';
import { checkGenericYamlTools } from './config/check-config.js';
import { genericYamlAdapterId, genericYamlToolSchema as toolSchema } from './config/tool-schema.js';

export { createGenericYamlAdapter } from './adapter/generic-yaml-adapter.js';
export { checkGenericYamlTools } from './config/check-config.js';
export { crossFieldProblems, type CrossFieldProblem } from './config/cross-field-checks.js';
export { placeholderNames, type PlaceholderName } from './config/placeholders.js';
export { genericYamlAdapterId } from './config/tool-schema.js';
export type {
  ErrorPatternKind,
  GenericYamlToolSettings,
  OutputFormat,
  OutputSettings,
  OutputSource,
  PromptDelivery,
} from './config/tool-settings-types.js';
export { maxArgumentPromptBytes } from './prompt/prompt-delivery.js';

/**
 * The keys this adapter adds to a tools.yaml entry (field checks plus the cross-field refinement). Typed as the spec's
 * generic object schema so the published types reference `@llm-service/spec` only; parse results are typed by
 * `GenericYamlToolSettings`.
 */
export const genericYamlToolSchema: z.ZodObject<z.ZodRawShape> = toolSchema;

/** Runs any CLI described in tools.yaml; importing it has no side effects, registering adds the adapter. */
const genericYamlPlugin: PluginDefinition = definePlugin({
  name: '@llm-service/adapter-generic-yaml',
  version,
  apiVersion: '^1.0.0',
  configSchema: {
    tools: { [genericYamlAdapterId]: toolSchema },
    check: checkGenericYamlTools,
  },
  register(context) {
    context.adapters.add(createGenericYamlAdapter());
  },
});

export default genericYamlPlugin;
