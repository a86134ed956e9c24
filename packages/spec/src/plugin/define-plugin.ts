import type { ZodObject, ZodRawShape, ZodType } from 'zod';
import type { ToolAdapterV1 } from '../contracts/v1/adapter.js';
import type { CommandV1 } from '../contracts/v1/command.js';
import type { PolicyV1 } from '../contracts/v1/policy.js';
import type { PolicyV2 } from '../contracts/v2/policy.js';
import type { TelemetrySinkV1 } from '../contracts/v1/sink.js';
import type { ResolvedConfig, ToolConfig } from '../config/index.js';
import type { EventBus } from '../events/event-bus.js';
import type { ServiceToken } from './tokens.js';

/** The version of the plugin API as a whole; plugins state the semver range they support in `apiVersion`. */
export const PLUGIN_API_VERSION = '1.13.0';

/** A problem a plugin's cross-reference check found, located by file and field path. */
export interface ConfigCheckProblem {
  file: string;
  path: readonly PropertyKey[];
  message: string;
  suggestion?: string;
}

/** The config a plugin owns (DESIGN section 2). */
export interface PluginConfigSchema {
  /** Extra keys of a tools.yaml entry, by adapter id: a tool whose `adapter` is that id is checked against it. */
  tools?: Readonly<Record<string, ZodObject<ZodRawShape>>>;
  /** `agents.<agent>.adapter_options.<adapter id>`, by adapter id. */
  agentOptions?: Readonly<Record<string, ZodType>>;
  /** Top-level sections of llm-service.yaml, e.g. `telemetry`. */
  sections?: Readonly<Record<string, ZodType>>;
  /** Whole optional files of the config directory, e.g. `policies.yaml`; an absent file is parsed as `{ version: 1 }`. */
  files?: Readonly<Record<string, ZodType>>;
  /** Cross-reference checks that need the whole config (e.g. budget scopes naming known agents). */
  check?: (config: ResolvedConfig) => readonly ConfigCheckProblem[];
}

type Output<T> = T extends ZodType<infer O> ? O : never;
type Keys<T> = keyof NonNullable<T>;

/**
 * A plugin's own configuration, validated once at load through the schemas it contributed and typed by them, so a
 * plugin neither parses `unknown` again nor casts a whole config file.
 */
export interface PluginSettings<S extends PluginConfigSchema = PluginConfigSchema> {
  /** Its sections of llm-service.yaml; undefined when the file has no such section. */
  readonly sections: {
    readonly [K in Keys<S['sections']>]: Output<NonNullable<S['sections']>[K]> | undefined;
  };
  /** Its whole files (an absent file was parsed as `{ version: 1 }`). */
  readonly files: { readonly [K in Keys<S['files']>]: Output<NonNullable<S['files']>[K]> };
  /** By adapter id: every tool whose `adapter` is that id, by tool id, with the core keys and the adapter's own. */
  readonly tools: {
    readonly [K in Keys<S['tools']>]: Readonly<
      Record<string, ToolConfig & Output<NonNullable<S['tools']>[K]>>
    >;
  };
  /** By adapter id: each agent's `adapter_options.<id>`, by agent name (agents without any are absent). */
  readonly agentOptions: {
    readonly [K in Keys<S['agentOptions']>]: Readonly<
      Record<string, Output<NonNullable<S['agentOptions']>[K]>>
    >;
  };
}

export interface PluginLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ServiceRegistry {
  provide<T>(token: ServiceToken<T>, instance: T): void;
  provideFactory<T>(token: ServiceToken<T>, factory: () => T): void;
  require<T>(token: ServiceToken<T>): T;
  has(token: symbol): boolean;
}

/**
 * The plugin's own container in one kernel: where it keeps per-kernel state (`registerInstance` in `register`,
 * `resolve` in `dispose`), never in module-level variables, so two kernels in one process stay apart. The kernel's
 * container is tsyringe's; this is the part a plugin needs, so the spec does not depend on tsyringe.
 */
export interface PluginContainer {
  registerInstance<T>(token: symbol, instance: T): unknown;
  resolve<T>(token: symbol): T;
  isRegistered(token: symbol, recursive?: boolean): boolean;
}

export interface PluginContext<S extends PluginConfigSchema = PluginConfigSchema> {
  adapters: { add(adapter: ToolAdapterV1): void };
  /** `PolicyV2` for a policy that reserves and settles; a `PolicyV1` is adapted by the kernel. */
  policies: { add(policy: PolicyV1 | PolicyV2): void };
  sinks: { add(sink: TelemetrySinkV1): void };
  services: ServiceRegistry;
  events: EventBus;
  /** The whole validated configuration, for cross-references (agents, tools, models). */
  config: ResolvedConfig;
  /** This plugin's own configuration, validated and typed by its `configSchema`. */
  settings: PluginSettings<S>;
  logger: PluginLogger;
  /** The kernel's environment (`KernelOptions.env`, else the process's): read variables here, not from `process.env`. */
  env: Readonly<Record<string, string | undefined>>;
  /** This plugin's own child of the kernel's container. */
  container: PluginContainer;
}

/** What a distribution says when it disposes a kernel (`Kernel.dispose`); plugin API 1.12. */
export interface DisposeOptions {
  /**
   * The process ends right after this disposal (a command-line run). Work that the next process does as well may be
   * left to it: the telemetry store leaves its SQLite write-ahead log for the next connection to merge, instead of
   * merging it while the user waits for the command to end. Committed data is never left unwritten.
   */
  processExits?: boolean;
}

/** What `dispose` gets: the same kernel's container and logger that `register` got, and how it is disposed. */
export interface PluginDisposeContext extends DisposeOptions {
  container: PluginContainer;
  logger: PluginLogger;
}

export interface PluginDefinition<S extends PluginConfigSchema = PluginConfigSchema> {
  /** The plugin's npm name. */
  name: string;
  version: string;
  /** A semver range of the plugin API this plugin was written for, e.g. `^1.0.0`. */
  apiVersion: string;
  provides?: readonly symbol[];
  requires?: readonly symbol[];
  configSchema?: S;
  /** CLI sub-commands; declared statically so `--help` lists them without loading any configuration. */
  commands?: readonly CommandV1[];
  register(context: PluginContext<S>): void | Promise<void>;
  /**
   * Flush and close what `register` opened in this kernel (found in `context.container`); called on normal exit,
   * SIGINT and SIGTERM. Another kernel of the same process keeps its own state.
   */
  dispose?(context: PluginDisposeContext): void | Promise<void>;
}

/**
 * Identity at run time; gives plugin authors type checking (and `context.settings` typed by `configSchema`) and keeps
 * plugin modules free of side effects.
 */
export function definePlugin<const S extends PluginConfigSchema = Record<never, never>>(
  plugin: PluginDefinition<S>,
): PluginDefinition<S> {
  return plugin;
}
