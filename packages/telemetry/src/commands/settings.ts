import { existsSync } from 'node:fs';
import { telemetryStoreProviderToken, type CommandInput, type TelemetryStoreV1 } from '@llm-service/spec';
import { openStore } from '../selection/open-store.js';
import { resolveSettings, type TelemetrySettings } from '../store/paths.js';
import type { TelemetrySection } from '../telemetry-schema.js';

/**
 * The telemetry settings a command runs with: from the configuration when there is one; with the defaults (the
 * database under $XDG_DATA_HOME) when no config directory was given and none exists in the usual places, so
 * `stats` works on a machine that only uses the library. A config directory that is broken, or that was named by
 * --config-dir or LLM_SERVICE_CONFIG_DIR and is missing, is still reported as an error.
 */
export async function commandSettings(input: CommandInput): Promise<TelemetrySettings> {
  const kernel = await input.kernel();
  const location = kernel.configLocation();
  if (location.source === 'user' && !existsSync(location.dir))
    return resolveSettings(undefined, undefined, process.env);
  const config = await kernel.config();
  return resolveSettings(config.settings.telemetry as TelemetrySection | undefined, config.dir, process.env);
}

/**
 * The project `stats` shows by default: the configuration's; `default` (that of a config without one) when there is
 * no configuration, as for the settings above.
 */
export async function commandProject(input: CommandInput): Promise<string> {
  const kernel = await input.kernel();
  const location = kernel.configLocation();
  if (location.source === 'user' && !existsSync(location.dir)) return 'default';
  return (await kernel.config()).project;
}

/**
 * The store a reading command opens: the SQLite file (undefined when it does not exist yet, which reads as "nothing
 * recorded"), or a store plugin's database. The caller closes it.
 */
export async function commandStore(
  input: CommandInput,
  settings: TelemetrySettings,
): Promise<TelemetryStoreV1 | undefined> {
  if (settings.store === 'sqlite' && !existsSync(settings.dbPath)) return undefined;
  const kernel = await input.kernel();
  // SQLite needs neither the configuration nor a provider; a store plugin's store needs both.
  const config = settings.store === 'sqlite' ? undefined : await kernel.config();
  const provider = config ? await kernel.service(telemetryStoreProviderToken(settings.store)) : undefined;
  return openStore(settings, {
    project: config?.project ?? 'default',
    configDir: config?.dir ?? process.cwd(),
    create: false,
    provider: () => provider,
  }).store;
}
