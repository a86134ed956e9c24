import type { DependencyContainer } from 'tsyringe';
import type { ZodObject, ZodRawShape, ZodType } from 'zod';
import type { ToolAdapterV1 } from '../contracts/adapter.js';
import type { CommandV1 } from '../contracts/command.js';
import type { PolicyV1 } from '../contracts/policy.js';
import type { TelemetrySinkV1 } from '../contracts/sink.js';
import type { ResolvedConfig } from '../config/resolved-config.js';
import type { EventBus } from '../events/event-bus.js';
import type { ServiceToken } from './tokens.js';

/** The version of the plugin API as a whole; plugins state the semver range they support in `apiVersion`. */
export const PLUGIN_API_VERSION = '1.1.0';

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

export interface PluginContext {
  adapters: { add(adapter: ToolAdapterV1): void };
  policies: { add(policy: PolicyV1): void };
  sinks: { add(sink: TelemetrySinkV1): void };
  services: ServiceRegistry;
  events: EventBus;
  /** The whole validated configuration; a plugin reads its own sections and files from it. */
  config: ResolvedConfig;
  logger: PluginLogger;
  /** The kernel's environment (`KernelOptions.env`, else the process's): read variables here, not from `process.env`. */
  env: Readonly<Record<string, string | undefined>>;
  /** This plugin's own child of the kernel's container. */
  container: DependencyContainer;
}

export interface PluginDefinition {
  /** The plugin's npm name. */
  name: string;
  version: string;
  /** A semver range of the plugin API this plugin was written for, e.g. `^1.0.0`. */
  apiVersion: string;
  provides?: readonly symbol[];
  requires?: readonly symbol[];
  configSchema?: PluginConfigSchema;
  /** CLI sub-commands; declared statically so `--help` lists them without loading any configuration. */
  commands?: readonly CommandV1[];
  register(context: PluginContext): void | Promise<void>;
  /** Flush and close; called on normal exit, SIGINT and SIGTERM. */
  dispose?(): void | Promise<void>;
}

/** Identity at run time; gives plugin authors type checking and keeps plugin modules free of side effects. */
export function definePlugin<const T extends PluginDefinition>(plugin: T): T {
  return plugin;
}
