import { describe, expect, it } from 'vitest';
import telemetryPlugin from './index.js';
import { telemetrySectionSchema } from './telemetry-schema.js';

describe('telemetry section schema', () => {
  it('defaults the store to sqlite and capture_content to false', () => {
    expect(telemetrySectionSchema.parse({})).toEqual({ store: 'sqlite', capture_content: false });
  });

  it('accepts the example of DESIGN section 2', () => {
    const section = { db_path: '~/.local/share/llm-service/telemetry.db', capture_content: false };
    expect(telemetrySectionSchema.parse(section)).toEqual({ store: 'sqlite', ...section });
    expect(telemetrySectionSchema.parse({ jsonl_path: 'events.jsonl', capture_content: true })).toEqual({
      store: 'sqlite',
      jsonl_path: 'events.jsonl',
      capture_content: true,
    });
  });

  it.each([
    [{ capture_content: 'yes' }, 'capture_content'],
    [{ db_path: '' }, 'db_path'],
    [{ db_path: 3 }, 'db_path'],
    [{ jsonl_path: false }, 'jsonl_path'],
    [{ dbpath: 'x' }, ''],
    [{ store: 'Postgres!' }, 'store'],
    [{ url: '' }, 'url'],
  ])('refuses %j', (value, path) => {
    const result = telemetrySectionSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([path]);
  });

  it('is contributed as the telemetry section of llm-service.yaml (it records plan windows and billing of plugin API 1.9)', () => {
    expect(telemetryPlugin).toMatchObject({
      name: '@llm-service/telemetry',
      version: '0.1.0',
      apiVersion: '^1.9.0',
    });
    expect(telemetryPlugin.configSchema?.sections?.telemetry).toBe(telemetrySectionSchema);
  });
});
