import {
  PLUGIN_API_VERSION,
  z,
  type PluginConfigSchema,
  type PluginContext,
  type PluginDefinition,
  type PolicyV1,
  type PolicyV2,
  type TelemetrySinkV1,
  type ToolAdapterV1,
} from '@llm-service/spec';

export interface TestPluginOptions {
  /** Defaults to `@llm-service/test-plugin`; give each plugin its own name when a test loads several. */
  name?: string;
  adapters?: readonly ToolAdapterV1[];
  policies?: readonly (PolicyV1 | PolicyV2)[];
  sinks?: readonly TelemetrySinkV1[];
  /** The tools.yaml keys an adapter adds, by adapter id; an adapter without one accepts only the core keys. */
  toolSchemas?: Readonly<Record<string, z.ZodObject<z.ZodRawShape>>>;
  /** More config the plugin owns (sections, files such as policies.yaml, checks); its `tools` win over the above. */
  configSchema?: PluginConfigSchema;
  /** Service tokens the plugin provides from `register`. */
  provides?: readonly symbol[];
  /** Runs after the adapters, policies and sinks are added, for anything else (services, event subscribers). */
  register?: (context: PluginContext) => void | Promise<void>;
  dispose?: () => void | Promise<void>;
}

/**
 * A plugin made of ready objects, for tests. Core validates a tools.yaml entry only against the schema of a loaded
 * adapter, so this contributes one for every adapter it registers (no keys beyond the core ones) and accepts any
 * `adapter_options` for it: a test config can then name the adapters as `adapter:` without writing schemas.
 */
export function definePluginForTests(options: TestPluginOptions = {}): PluginDefinition {
  const adapters = options.adapters ?? [];
  const tools: Record<string, z.ZodObject<z.ZodRawShape>> = {};
  const agentOptions: Record<string, z.ZodType> = {};
  for (const adapter of adapters) {
    tools[adapter.id] = z.strictObject({});
    agentOptions[adapter.id] = z.record(z.string(), z.unknown());
  }
  const plugin: PluginDefinition = {
    name: options.name ?? '@llm-service/test-plugin',
    version: '0.0.0',
    apiVersion: `^${PLUGIN_API_VERSION}`,
    configSchema: {
      ...options.configSchema,
      tools: { ...tools, ...options.toolSchemas, ...options.configSchema?.tools },
      agentOptions: { ...agentOptions, ...options.configSchema?.agentOptions },
    },
    async register(context) {
      for (const adapter of adapters) context.adapters.add(adapter);
      for (const policy of options.policies ?? []) context.policies.add(policy);
      for (const sink of options.sinks ?? []) context.sinks.add(sink);
      await options.register?.(context);
    },
  };
  if (options.provides) plugin.provides = options.provides;
  if (options.dispose) plugin.dispose = options.dispose;
  return plugin;
}
