import { definePlugin, telemetryStoreProviderToken, type PluginDefinition } from '@llm-service/spec';
import { version } from '../package.json';
import { postgresStoreKind, postgresStoreProvider } from './store.js';

export { PostgresTelemetryStore, postgresStoreKind, postgresStoreProvider } from './store.js';
export { PostgresStoreError, PostgresStoreErrorCode } from './errors.js';
export { parseDatabaseUrl, type ParsedUrl } from './connection/location.js';
export type { DatabaseOptions as PostgresStoreOptions } from './connection/database.js';
export { latestSchemaVersion as postgresSchemaVersion } from './schema/migrations.js';

/**
 * Provides the `postgres` telemetry store: with `telemetry.store: postgres` and `telemetry.url`, the telemetry plugin
 * keeps its rows in a database a team shares. Registering connects to nothing.
 */
const plugin: PluginDefinition = definePlugin({
  name: '@llm-service/store-postgres',
  version,
  apiVersion: '^1.10.0',
  provides: [telemetryStoreProviderToken(postgresStoreKind)],
  register(context) {
    context.services.provide(telemetryStoreProviderToken(postgresStoreKind), postgresStoreProvider);
  },
});

export default plugin;
