import type { AgentConfig, ModelPrice, ToolConfig } from './schemas.js';

/** Where a config directory came from; only `project` configs need trusting. */
export type ConfigDirSource = 'flag' | 'env' | 'project' | 'user';

export interface DiscoveredConfigDir {
  dir: string;
  source: ConfigDirSource;
}

export const configFileNames = {
  agents: 'agents.yaml',
  tools: 'tools.yaml',
  models: 'models.yaml',
  policies: 'policies.yaml',
  settings: 'llm-service.yaml',
} as const;

export const requiredConfigFiles = [
  configFileNames.agents,
  configFileNames.tools,
  configFileNames.models,
] as const;

/** The validated, immutable configuration a request runs with. */
export interface ResolvedConfig {
  readonly dir: string;
  readonly source: ConfigDirSource;
  /**
   * The project its requests are recorded under (plugin API 1.4): `project:` of llm-service.yaml; by default the name
   * of the directory holding a `.llm-service/` config directory, else `default`.
   */
  readonly project: string;
  readonly agents: Readonly<Record<string, AgentConfig>>;
  readonly tools: Readonly<Record<string, ToolConfig>>;
  readonly models: Readonly<Record<string, ModelPrice>>;
  /** llm-service.yaml: `version`, `plugins`, and each plugin's validated section by key. */
  readonly settings: Readonly<{ version: 1; plugins: readonly string[] } & Record<string, unknown>>;
  /** Plugin-owned files (e.g. `policies.yaml`), validated by their plugin's schema. */
  readonly files: Readonly<Record<string, unknown>>;
}
