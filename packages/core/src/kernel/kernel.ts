import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import {
  EventBus,
  PluginError,
  UsageError,
  CostEstimatorToken,
  type CandidatePreview,
  type PreviewDecision,
  type RoutePreview,
  type DetectResult,
  type DisposeOptions,
  type DiscoveredConfigDir,
  type ExecOptions,
  type ExecRequest,
  type ExecResult,
  type KernelHandle,
  type PluginDefinition,
  type PluginLogger,
  type ResolvedConfig,
  type RoutePlan,
  type RouteRequest,
  type ServiceToken,
  type ToolAdapterV1,
} from '@llm-service/spec';
import {
  discoverConfigDir,
  loadConfig,
  resolveConfigWithFile,
  type ConfigCache,
  type LoadedConfig,
} from '@llm-service/config';
import { PluginHost } from '../plugin/plugin-host.js';
import { planRoute } from '../routing/plan-route.js';
import { computeCostUsd } from '@llm-service/plugin-kit';
import type { KernelLogger } from './request/request-log.js';
import { policyContext, promptOf, runRequest } from './request/run-request.js';

export type { KernelLogger } from './request/request-log.js';

export interface KernelOptions {
  /** As `--config-dir`; when absent the directory is discovered (DESIGN section 2). */
  configDir?: string | undefined;
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** The plugins a distribution always loads; `plugins:` in llm-service.yaml adds more. */
  plugins?: readonly PluginDefinition[];
  logger?: KernelLogger;
  /** Asks the user a yes/no question; only a host with a terminal on stdin and stderr passes one. */
  confirm?: (message: string) => Promise<boolean>;
  /**
   * Called with the configuration's location before anything of it is read; throws to refuse it. The distribution
   * decides what it trusts: the CLI refuses a project's configuration (found by discovery, so chosen by whoever wrote
   * the repository) until `llm-service config trust` recorded it. Core trusts what it is given.
   */
  admitConfig?: (location: DiscoveredConfigDir) => void;
  /** Keeps validated configurations between runs (the CLI's keeps them in the user's cache directory). */
  configCache?: ConfigCache | undefined;
}

interface Booted extends LoadedConfig {
  host: PluginHost;
}

/**
 * The microkernel: loads configuration and plugins, plans routes, applies policies per candidate, runs adapters and
 * emits events. It knows no plugin; everything it runs arrives through the plugin API.
 */
export class Kernel implements KernelHandle {
  readonly events: EventBus;
  readonly #options: KernelOptions;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #cwd: string;
  readonly #logger: KernelLogger;
  readonly #container = rootContainer.createChildContainer();
  #booting: Promise<Booted> | undefined;
  #disposed = false;
  #disposing: Promise<void> | undefined;

  constructor(options: KernelOptions = {}) {
    this.#options = options;
    this.#env = options.env ?? process.env;
    this.#cwd = options.cwd ?? process.cwd();
    const logger = options.logger ?? { warn: (message: string) => process.stderr.write(`${message}\n`) };
    this.#logger = logger;
    this.events = new EventBus((name, error) => {
      const reason = error instanceof Error ? error.message : String(error);
      logger.warn(`warning: event subscriber '${name}' failed and was removed: ${reason}`);
    });
  }

  /** Where the configuration is read from, without reading it. */
  configLocation(): DiscoveredConfigDir {
    return discoverConfigDir({ configDir: this.#options.configDir, cwd: this.#cwd, env: this.#env });
  }

  async config(): Promise<ResolvedConfig> {
    return (await this.#boot()).config;
  }

  async configWithFile(name: string, path: string): Promise<ResolvedConfig> {
    return resolveConfigWithFile(await this.#boot(), { name, path }, { cwd: this.#cwd, env: this.#env });
  }

  async plugins(): Promise<readonly PluginDefinition[]> {
    return (await this.#boot()).plugins;
  }

  async adapters(): Promise<ReadonlyMap<string, ToolAdapterV1>> {
    return (await this.#boot()).host.adapters;
  }

  #boot(): Promise<Booted> {
    if (this.#disposed) return Promise.reject(new UsageError('the kernel has been disposed'));
    this.#booting ??= this.#load();
    return this.#booting;
  }

  async #load(): Promise<Booted> {
    const location = this.configLocation();
    this.#options.admitConfig?.(location);
    const { config, plugins } = await loadConfig(location, {
      plugins: this.#options.plugins ?? [],
      cwd: this.#cwd,
      env: this.#env,
      cache: this.#options.configCache,
    });
    const host = new PluginHost(this.#container, this.events, (name) => this.#pluginLogger(name), this.#env);
    await host.register(plugins, config);
    for (const [toolId, tool] of Object.entries(config.tools)) {
      if (!host.adapters.has(tool.adapter)) {
        throw new PluginError(
          tool.adapter,
          `declares a schema for adapter '${tool.adapter}' (used by tool '${toolId}') but registered no such adapter`,
        );
      }
    }
    return { config, host, plugins };
  }

  #pluginLogger(name: string): PluginLogger {
    const logger = this.#logger;
    return {
      debug: (message) => logger.debug?.(`${name}: ${message}`),
      info: (message) => logger.debug?.(`${name}: ${message}`),
      warn: (message) => logger.warn(`warning: ${name}: ${message}`),
      error: (message) => logger.warn(`error: ${name}: ${message}`),
    };
  }

  /**
   * A service some plugin provides (e.g. the spend ledger), after loading the configuration and plugins; undefined
   * when no loaded plugin provides it. For plugin commands and library users.
   */
  async service<T>(token: ServiceToken<T>): Promise<T | undefined> {
    await this.#boot();
    return this.#container.isRegistered(token, true) ? this.#container.resolve<T>(token) : undefined;
  }

  /** The candidates `exec` would try, in order, without running anything. */
  async route(request: RouteRequest): Promise<RoutePlan> {
    const { config } = await this.#boot();
    return planRoute(config, request);
  }

  async preview(request: ExecRequest): Promise<RoutePreview> {
    const { config, host } = await this.#boot();
    const plan = planRoute(config, request);
    const previewed = {
      request,
      invocationId: 'preview',
      chainId: request.chainId || this.#env.LLM_SERVICE_CHAIN_ID || 'preview',
      prompt: promptOf(request),
    };
    const { prompt } = previewed;
    const estimator = await this.service(CostEstimatorToken);
    const candidates: CandidatePreview[] = [];
    for (const [index, candidate] of plan.candidates.entries()) {
      const context = policyContext(
        config,
        previewed,
        index === 0 && plan.explicit,
        plan.candidates.slice(index + 1),
      );
      const decisions: PreviewDecision[] = [];
      for (const policy of host.policies) {
        const decision = policy.preview
          ? await policy.preview(candidate, context)
          : await policy.evaluate(candidate, context);
        decisions.push({
          policy: policy.id,
          action: decision.action,
          ...('message' in decision ? { message: decision.message } : {}),
          ...(decision.action === 'rewrite'
            ? { message: decision.reason, rewrittenTo: decision.candidate }
            : {}),
        });
      }
      const usage = estimator
        ? await estimator.forecast({
            agent: request.agent,
            taskType: request.taskType,
            model: candidate.model,
            prompt,
          })
        : undefined;
      const price = config.models[candidate.model];
      candidates.push({
        ...candidate,
        decisions,
        ...(usage ? { estimatedUsage: usage } : {}),
        estimatedCostUsd: usage && price ? computeCostUsd(usage, price) : null,
      });
    }
    return { ...plan, candidates };
  }

  async detect(toolId: string): Promise<DetectResult> {
    const { config, host } = await this.#boot();
    const tool = config.tools[toolId];
    if (!tool) throw new UsageError(`unknown tool '${toolId}'`);
    const adapter = host.adapters.get(tool.adapter);
    if (!adapter) throw new UsageError(`no adapter '${tool.adapter}' is loaded`);
    return adapter.detect(tool, { configDir: config.dir, env: this.#env });
  }

  async exec(request: ExecRequest, options: ExecOptions = {}): Promise<ExecResult> {
    const { config, host } = await this.#boot();
    return runRequest(
      {
        config,
        host,
        emit: (event) => this.events.emit(event),
        env: this.#env,
        logger: this.#logger,
        confirm: this.#options.confirm,
        estimator: () => this.service(CostEstimatorToken),
      },
      request,
      options,
    );
  }

  /**
   * Flushes sinks and disposes plugins; safe to call more than once (normal exit, SIGINT, SIGTERM). The first call's
   * `options` hold: `processExits` when the process ends right after (see DisposeOptions).
   */
  async dispose(options: DisposeOptions = {}): Promise<void> {
    // Every caller (normal exit and a signal handler, say) waits for the one disposal to finish, so none exits
    // before sinks have flushed.
    this.#disposing ??= this.#dispose(options);
    return this.#disposing;
  }

  async #dispose(options: DisposeOptions): Promise<void> {
    this.#disposed = true;
    const booting = this.#booting;
    if (booting) {
      const booted = await booting.catch(() => undefined);
      await booted?.host.dispose(options, (name, error) => {
        const reason = error instanceof Error ? error.message : String(error);
        this.#logger.warn(`warning: ${name} failed to dispose: ${reason}`);
      });
    }
    this.events.complete();
  }
}

export function createKernel(options: KernelOptions = {}): Kernel {
  return new Kernel(options);
}
