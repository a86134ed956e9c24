import {
  PLUGIN_API_VERSION,
  telemetryStoreProviderToken,
  type PluginContext,
  type TelemetryStoreProviderV1,
} from '@llm-service/spec';
import { describe, expect, it } from 'vitest';
import plugin, { PostgresTelemetryStore } from '../src/index.js';

describe('the store-postgres plugin', () => {
  it('provides the postgres store provider, which opens a store without connecting', async () => {
    const token = telemetryStoreProviderToken('postgres');
    expect(plugin.provides).toEqual([token]);
    const provided = new Map<symbol, unknown>();
    const services = {
      provide: (key: symbol, value: unknown) => void provided.set(key, value),
    } as unknown as PluginContext['services'];
    await plugin.register({ services } as PluginContext);
    const provider = provided.get(token) as TelemetryStoreProviderV1;
    expect(provider.kind).toBe('postgres');
    // Port 1: nothing listens there, and nothing may be tried before the first call.
    const store = provider.open({
      url: 'postgresql://u:secret@127.0.0.1:1/db',
      project: 'alpha',
      configDir: '/',
    });
    expect(store).toBeInstanceOf(PostgresTelemetryStore);
    expect(store.location).toBe('postgresql://u@127.0.0.1:1/db');
    await store.close();
  });

  it('asks for a plugin API this spec satisfies', () => {
    const [major, minor] = PLUGIN_API_VERSION.split('.').map(Number);
    expect(plugin.apiVersion).toBe('^1.10.0');
    expect(major === 1 && (minor ?? 0) >= 10).toBe(true);
  });
});
