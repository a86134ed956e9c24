import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** The contents of a config directory as plain objects; `version: 1` is added to each core file. */
export interface TestConfig {
  /** agents.yaml's `agents:` mapping. */
  agents: Record<string, unknown>;
  /** tools.yaml's `tools:` mapping. */
  tools: Record<string, unknown>;
  /** models.yaml's `models:` mapping (USD per million tokens). */
  models: Record<string, unknown>;
  /** llm-service.yaml's keys besides `version` (`plugins`, `telemetry`, ...); the file is written only when given. */
  settings?: Record<string, unknown>;
  /** Any other file by name (e.g. `policies.yaml`): a string is written as it is, anything else as YAML. */
  files?: Record<string, unknown>;
}

/**
 * Writes a config directory from JS objects, so a test states its config as data and still goes through the real
 * loader (YAML parsing, interpolation, validation, cross-reference checks). Returns `dir`, created if needed.
 */
export function writeTestConfig(dir: string, config: TestConfig): string {
  mkdirSync(dir, { recursive: true });
  const write = (name: string, value: unknown) =>
    writeFileSync(join(dir, name), typeof value === 'string' ? value : stringify(value));
  write('agents.yaml', { version: 1, agents: config.agents });
  write('tools.yaml', { version: 1, tools: config.tools });
  write('models.yaml', { version: 1, models: config.models });
  if (config.settings) write('llm-service.yaml', { version: 1, ...config.settings });
  for (const [name, value] of Object.entries(config.files ?? {})) write(name, value);
  return dir;
}
