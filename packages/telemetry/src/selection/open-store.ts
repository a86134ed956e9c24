import { join, dirname } from 'node:path';
import {
  telemetryStoreProviderToken,
  type TelemetryStoreProviderV1,
  type TelemetryStoreV1,
} from '@llm-service/spec';
import { TelemetryError, TelemetryErrorCode } from '../errors.js';
import { DeferredStore } from './deferred-store.js';
import { SqliteTelemetryStore } from '../sqlite/sqlite-store.js';
import { spoolPath, Spool } from '../spool/spool.js';
import type { TelemetrySettings } from '../store/paths.js';

/** The packages that provide the stores this release documents, for the message when one is not loaded. */
const knownStorePackages: Readonly<Record<string, string>> = { postgres: '@llm-service/store-postgres' };

/** The error for `telemetry.store` naming a kind no loaded plugin provides. */
function missingProviderError(kind: string): TelemetryError {
  const known = knownStorePackages[kind];
  return new TelemetryError(
    TelemetryErrorCode.open,
    `telemetry.store is '${kind}', but no loaded plugin provides that store`,
    {
      hint: known
        ? `install ${known} and add it to plugins: in llm-service.yaml`
        : `add the plugin that provides the '${kind}' store to plugins: in llm-service.yaml, or set telemetry.store: sqlite`,
    },
  );
}

/** The error for a store plugin's kind without `telemetry.url`. */
function missingUrlError(kind: string): TelemetryError {
  return new TelemetryError(
    TelemetryErrorCode.open,
    `telemetry.store is '${kind}', but telemetry.url is not set`,
    {
      hint: 'set telemetry.url in llm-service.yaml, e.g. url: ${LLM_SERVICE_DATABASE_URL}',
    },
  );
}

export interface OpenedStore {
  store: TelemetryStoreV1;
  /** Where writes the store did not confirm wait for the next run; none for SQLite, which confirms every write. */
  spool: Spool | undefined;
}

/**
 * Opens (lazily: nothing connects yet) the store the settings name: the SQLite file, or a store plugin's database
 * through its provider. `create: false` for readers, which find a missing SQLite file empty rather than create it.
 */
export function openStore(
  settings: TelemetrySettings,
  options: {
    project: string;
    configDir: string;
    provider: (token: ReturnType<typeof telemetryStoreProviderToken>) => TelemetryStoreProviderV1 | undefined;
    create?: boolean;
  },
): OpenedStore {
  if (settings.store === 'sqlite') {
    return {
      store: new SqliteTelemetryStore({
        path: settings.dbPath,
        create: options.create ?? true,
        ...(settings.jsonlPath ? { alsoWatch: [settings.jsonlPath] } : {}),
      }),
      spool: undefined,
    };
  }
  const { store: kind, url } = settings;
  if (url === undefined) throw missingUrlError(kind);
  const store = new DeferredStore(kind, withoutPassword(url), () => {
    const provider = options.provider(telemetryStoreProviderToken(kind));
    if (!provider) throw missingProviderError(kind);
    return provider.open({ url, project: options.project, configDir: options.configDir });
  });
  // One spool a database: keyed by a hash of its URL, which is never written out.
  return { store, spool: new Spool(spoolPath(join(dirname(settings.dbPath), 'spool'), url)) };
}

/** A database URL as messages may show it: without its password (or the whole URL, when it is not one). */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'the telemetry database (its URL could not be read)';
  }
}
