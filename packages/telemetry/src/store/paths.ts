import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { userDataHome } from '@llm-service/plugin-kit';
import type { TelemetrySection } from '../telemetry-schema.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export function defaultDatabasePath(env: Environment): string {
  return join(userDataHome(env), 'telemetry.db');
}

/** Expands `~/` and resolves a relative path against the config directory that named it. */
export function resolveUserPath(path: string, configDir: string | undefined, env: Environment): string {
  if (path === '~') return env.HOME || homedir();
  if (path.startsWith('~/')) return join(env.HOME || homedir(), path.slice(2));
  if (isAbsolute(path)) return path;
  return resolve(configDir ?? process.cwd(), path);
}

/** What the plugin runs with, after defaults and path resolution. */
export interface TelemetrySettings {
  /** `sqlite`, or the kind of a store plugin. */
  store: string;
  /** A store plugin's database URL (`${VAR}` expanded), which may hold a password: never print it. */
  url: string | undefined;
  /** The SQLite file; also where the spool of another store lives beside it. */
  dbPath: string;
  /** `reservation_lease_s` in milliseconds. */
  reservationLeaseMs: number;
  jsonlPath: string | undefined;
  jsonlMaxBytes: number;
  jsonlMaxFiles: number;
  captureContent: boolean;
}

export const defaultJsonlMaxBytes = 50 * 1024 * 1024;
export const defaultJsonlMaxFiles = 5;

export function resolveSettings(
  section: Partial<TelemetrySection> | undefined,
  configDir: string | undefined,
  env: Environment,
): TelemetrySettings {
  return {
    store: section?.store ?? 'sqlite',
    reservationLeaseMs: (section?.reservation_lease_s ?? 60) * 1000,
    url: section?.url,
    dbPath: section?.db_path ? resolveUserPath(section.db_path, configDir, env) : defaultDatabasePath(env),
    jsonlPath: section?.jsonl_path ? resolveUserPath(section.jsonl_path, configDir, env) : undefined,
    jsonlMaxBytes: section?.jsonl_max_bytes ?? defaultJsonlMaxBytes,
    jsonlMaxFiles: section?.jsonl_max_files ?? defaultJsonlMaxFiles,
    captureContent: section?.capture_content ?? false,
  };
}
