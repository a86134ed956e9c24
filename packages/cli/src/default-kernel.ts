import { createKernel, type Kernel, type KernelOptions } from '@llm-service/core';
import { builtinPlugins } from './builtin-plugins.js';
import { ConfigCacheFile } from './config-cache/config-cache-file.js';
import { assertTrusted, TrustStoreFile } from './trust/trust-store.js';

/**
 * Options of {@link createDefaultKernel}: core's `KernelOptions`. `plugins` are loaded after the built-in ones, as
 * `plugins:` in llm-service.yaml are.
 */
export type DefaultKernelOptions = KernelOptions;

/**
 * A kernel with what the `llm-service` binary loads: the built-in plugins ({@link builtinPlugins}: the generic YAML,
 * Claude, Codex, Gemini and OpenAI-compatible HTTP adapters, budgets and cost-optimised selection, telemetry, the
 * dashboard's command, the task store and the `tasks` commands), then the plugins `llm-service.yaml` names. A
 * configuration found in a project directory (`./.llm-service/` or a parent) runs only once trusted with `llm-service
 * config trust`, exactly as for the binary; `configDir` and `$LLM_SERVICE_CONFIG_DIR` name a directory the caller
 * chose. It has none of the binary's terminal I/O: warnings go to `logger` (core's default writes them to stderr), and
 * nothing is asked: without `confirm`, a confirmation a budget asks for becomes a warning (a `budget.warned` event)
 * and the request goes on, as with the binary when stdin or stderr is not a terminal. Hard budgets block
 * (`PolicyBlockedError`, exit code 3) either way.
 *
 * Nothing is read or loaded until the first call that needs the configuration; `await kernel.dispose()` when done, so
 * telemetry's sinks are flushed and its database closed. A configuration validated once is kept in
 * `$XDG_CACHE_HOME/llm-service/config/` and used again while its files are unchanged ({@link ConfigCacheFile}); pass
 * `configCache: undefined` to validate every time.
 *
 * @example
 * ```ts
 * const kernel = createDefaultKernel({ configDir: './config' });
 * try {
 *   const result = await kernel.exec({ agent: 'writer', prompt: 'Draft the release notes' });
 *   console.log(result.text, result.costUsd);
 * } finally {
 *   await kernel.dispose();
 * }
 * ```
 */
export function createDefaultKernel(options: DefaultKernelOptions = {}): Kernel {
  const env = options.env ?? process.env;
  return createKernel({
    // A project's configuration (found by discovery) runs only once trusted; a directory the caller named is theirs.
    admitConfig: (location) => {
      if (location.source === 'project') assertTrusted(location.dir, new TrustStoreFile(env));
    },
    configCache: new ConfigCacheFile(env),
    ...options,
    plugins: [...builtinPlugins, ...(options.plugins ?? [])],
  });
}
