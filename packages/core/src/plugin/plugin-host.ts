import type { DependencyContainer } from 'tsyringe';
import { checkApiVersion } from '@llm-service/config';
import {
  describeToken,
  PluginError,
  type DisposeOptions,
  type EventBus,
  type PluginDefinition,
  type PluginLogger,
  type PluginSettings,
  type PolicyV1,
  type PolicyV2,
  type ResolvedConfig,
  type ServiceRegistry,
  type ServiceToken,
  type TelemetrySinkV1,
  type AttemptRecordV1,
  type RequestRecordV1,
  type ToolAdapterV1,
} from '@llm-service/spec';

/** One line for the user; the whole error stays as the cause. */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0]?.trim() || (error instanceof Error ? error.name : 'unknown error');
}

/** Orders plugins so that every plugin registers after the providers of the services it requires. */
export function orderByDependencies(plugins: readonly PluginDefinition[]): PluginDefinition[] {
  const providers = new Map<symbol, PluginDefinition>();
  for (const plugin of plugins) {
    for (const token of plugin.provides ?? []) {
      const existing = providers.get(token);
      if (existing)
        throw new PluginError(
          plugin.name,
          `provides ${describeToken(token)}, which ${existing.name} already provides`,
        );
      providers.set(token, plugin);
    }
  }
  const ordered: PluginDefinition[] = [];
  const state = new Map<PluginDefinition, 'visiting' | 'done'>();
  const visit = (plugin: PluginDefinition, trail: string[]) => {
    const current = state.get(plugin);
    if (current === 'done') return;
    if (current === 'visiting')
      throw new PluginError(
        plugin.name,
        `has a circular service dependency: ${[...trail, plugin.name].join(' -> ')}`,
      );
    state.set(plugin, 'visiting');
    for (const token of plugin.requires ?? []) {
      const provider = providers.get(token);
      if (!provider) {
        throw new PluginError(
          plugin.name,
          `requires ${describeToken(token)}, which no loaded plugin provides`,
          'add the plugin that provides it to llm-service.yaml plugins',
        );
      }
      visit(provider, [...trail, plugin.name]);
    }
    state.set(plugin, 'done');
    ordered.push(plugin);
  };
  for (const plugin of plugins) visit(plugin, []);
  return ordered;
}

export interface Registry {
  readonly adapters: ReadonlyMap<string, ToolAdapterV1>;
  /** Every policy, V1 ones adapted to V2 (without a lifecycle), in registration order. */
  readonly policies: readonly PolicyV2[];
  readonly sinks: readonly TelemetrySinkV1[];
}

/** A V1 policy as a V2 one: it evaluates, and holds nothing. */
export function adaptPolicy(policy: PolicyV1 | PolicyV2): PolicyV2 {
  if (policy.specificationVersion === 'v2') return policy;
  return {
    specificationVersion: 'v2',
    id: policy.id,
    evaluate: (candidate, context) => policy.evaluate(candidate, context),
  };
}

/** A plugin's own configuration, picked out of the whole by the schemas it contributed. */
export function pluginSettings(plugin: PluginDefinition, config: ResolvedConfig): PluginSettings {
  const schema = plugin.configSchema ?? {};
  const pick = <T>(keys: Iterable<string>, value: (key: string) => T): Record<string, T> =>
    Object.freeze(Object.fromEntries([...keys].map((key) => [key, value(key)])));
  return {
    sections: pick(Object.keys(schema.sections ?? {}), (key) => config.settings[key]),
    files: pick(Object.keys(schema.files ?? {}), (key) => config.files[key]),
    tools: pick(Object.keys(schema.tools ?? {}), (adapterId) =>
      Object.freeze(
        Object.fromEntries(Object.entries(config.tools).filter(([, tool]) => tool.adapter === adapterId)),
      ),
    ),
    agentOptions: pick(Object.keys(schema.agentOptions ?? {}), (adapterId) =>
      Object.freeze(
        Object.fromEntries(
          Object.entries(config.agents)
            .filter(([, agent]) => agent.adapter_options[adapterId] !== undefined)
            .map(([name, agent]) => [name, agent.adapter_options[adapterId]]),
        ),
      ),
    ),
  };
}

interface RegisteredPlugin {
  plugin: PluginDefinition;
  container: DependencyContainer;
  logger: PluginLogger;
}

/** Registers plugins into the kernel's container, each with a child container of its own. */
export class PluginHost implements Registry {
  readonly adapters = new Map<string, ToolAdapterV1>();
  readonly policies: PolicyV2[] = [];
  readonly sinks: TelemetrySinkV1[] = [];
  readonly #adapterOwners = new Map<string, string>();
  readonly #registered: RegisteredPlugin[] = [];
  /** Sinks whose handler threw: the bus removed them, so what they record from then on is lost. */
  readonly #failedSinks = new Set<TelemetrySinkV1>();

  constructor(
    private readonly container: DependencyContainer,
    private readonly events: EventBus,
    private readonly createLogger: (pluginName: string) => PluginLogger,
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
  ) {}

  async register(plugins: readonly PluginDefinition[], config: ResolvedConfig): Promise<void> {
    for (const plugin of plugins) await checkApiVersion(plugin);
    for (const plugin of orderByDependencies(plugins)) {
      const container = this.container.createChildContainer();
      const services = this.#services(plugin, container);
      const logger = this.createLogger(plugin.name);
      try {
        await plugin.register({
          adapters: { add: (adapter) => this.#addAdapter(plugin, adapter) },
          policies: { add: (policy) => this.#addPolicy(plugin, policy) },
          sinks: {
            add: (sink) => {
              this.sinks.push(sink);
              this.events.subscribe(`${plugin.name} sink ${sink.id}`, (event) => {
                try {
                  sink.handle(event);
                } catch (error) {
                  this.#failedSinks.add(sink);
                  throw error;
                }
              });
            },
          },
          services,
          events: this.events,
          config,
          settings: pluginSettings(plugin, config),
          logger,
          env: this.env,
          container,
        });
      } catch (error) {
        if (
          error instanceof PluginError ||
          (error as { code?: unknown } | null | undefined)?.code === 'E_PLUGIN'
        )
          throw error;
        throw new PluginError(plugin.name, `failed while registering: ${firstLine(error)}`, undefined, error);
      }
      for (const token of plugin.provides ?? []) {
        if (!this.container.isRegistered(token)) {
          throw new PluginError(
            plugin.name,
            `declares that it provides ${describeToken(token)} but did not provide it`,
          );
        }
      }
      this.#registered.push({ plugin, container, logger });
    }
  }

  /** Hands every sink an attempt's record (plugin API 1.7): see {@link PluginHost.recordRequest}. */
  recordAttempt(record: AttemptRecordV1, report: (name: string, error: unknown) => void): void {
    this.#deliver((sink) => sink.recordAttempt?.(record), report);
  }

  /**
   * Hands every sink a request's record (plugin API 1.7). A sink that throws is treated as one whose event handler
   * threw: it is given nothing more, and `commitSinks` answers false from then on, so no cost it missed is released.
   */
  recordRequest(record: RequestRecordV1, report: (name: string, error: unknown) => void): void {
    this.#deliver((sink) => sink.recordRequest?.(record), report);
  }

  #deliver(hand: (sink: TelemetrySinkV1) => void, report: (name: string, error: unknown) => void): void {
    for (const sink of this.sinks) {
      if (this.#failedSinks.has(sink)) continue;
      try {
        hand(sink);
      } catch (error) {
        this.#failedSinks.add(sink);
        report(`sink ${sink.id}`, error);
      }
    }
  }

  /**
   * Flushes every sink, so that what the bus delivered so far (an attempt's cost, above all) is committed. False when
   * a sink failed to flush or failed earlier (and so missed events): the caller must then keep any cost held.
   */
  async commitSinks(report: (name: string, error: unknown) => void): Promise<boolean> {
    let committed = this.#failedSinks.size === 0;
    for (const sink of this.sinks) {
      try {
        await sink.flush();
      } catch (error) {
        committed = false;
        report(`sink ${sink.id}`, error);
      }
    }
    return committed;
  }

  #addPolicy(plugin: PluginDefinition, policy: PolicyV1 | PolicyV2): void {
    const version: unknown = policy.specificationVersion;
    if (version !== 'v1' && version !== 'v2') {
      throw new PluginError(
        plugin.name,
        `registers policy '${policy.id}' with specification ${String(version)}; this core runs v1 and v2`,
      );
    }
    this.policies.push(adaptPolicy(policy));
  }

  #addAdapter(plugin: PluginDefinition, adapter: ToolAdapterV1): void {
    const owner = this.#adapterOwners.get(adapter.id);
    if (owner)
      throw new PluginError(
        plugin.name,
        `registers adapter '${adapter.id}', which ${owner} already registered`,
      );
    if (adapter.specificationVersion !== 'v1') {
      throw new PluginError(
        plugin.name,
        `registers adapter '${adapter.id}' with specification ${String(adapter.specificationVersion)}; this core runs v1`,
      );
    }
    this.#adapterOwners.set(adapter.id, plugin.name);
    this.adapters.set(adapter.id, adapter);
  }

  #services(plugin: PluginDefinition, container: DependencyContainer): ServiceRegistry {
    const declared = new Set(plugin.provides ?? []);
    const assertDeclared = (token: symbol) => {
      if (!declared.has(token)) {
        throw new PluginError(
          plugin.name,
          `provides ${describeToken(token)} without declaring it in provides`,
        );
      }
    };
    return {
      provide: <T>(token: ServiceToken<T>, instance: T) => {
        assertDeclared(token);
        this.container.registerInstance(token, instance);
      },
      provideFactory: <T>(token: ServiceToken<T>, factory: () => T) => {
        assertDeclared(token);
        let instance: T | undefined;
        this.container.register(token, { useFactory: () => (instance ??= factory()) });
      },
      require: <T>(token: ServiceToken<T>): T => {
        if (!container.isRegistered(token, true)) {
          throw new PluginError(plugin.name, `requires ${describeToken(token)}, which no plugin provides`);
        }
        return container.resolve<T>(token);
      },
      has: (token) => container.isRegistered(token, true),
    };
  }

  /** Disposes plugins in reverse registration order; one failing does not stop the others. */
  async dispose(options: DisposeOptions, report: (plugin: string, error: unknown) => void): Promise<void> {
    for (const sink of this.sinks) {
      try {
        // A rejected flush tells the kernel not to settle a cost; the sink has reported why itself, and dispose
        // still closes it.
        await sink.flush().catch(() => undefined);
        await sink.dispose(options);
      } catch (error) {
        report(`sink ${sink.id}`, error);
      }
    }
    for (const { plugin, container, logger } of [...this.#registered].reverse()) {
      try {
        await plugin.dispose?.({ ...options, container, logger });
      } catch (error) {
        report(plugin.name, error);
      }
    }
    this.#registered.length = 0;
  }
}
