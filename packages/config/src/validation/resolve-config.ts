import { z } from '@llm-service/spec';
import type { ZodObject, ZodRawShape, ZodType } from 'zod';
import {
  agentSchema,
  ConfigError,
  configFileNames,
  coreToolShape,
  modelSchema,
  type AgentConfig,
  type ConfigCheckProblem,
  type ModelPrice,
  type PluginDefinition,
  type ResolvedConfig,
  type ToolConfig,
} from '@llm-service/spec';
import { suggestName } from '@llm-service/plugin-kit';
import { withPluginFiles, type ConfigSources } from '../files/read-config-files.js';
import { checkCrossReferences } from './cross-references.js';
import {
  agentsFileFrameSchema,
  coreSettingsShape,
  projectOf,
  modelsFileFrameSchema,
  toolsFileSchema,
} from './file-schemas.js';
import { IssueCollector, fileValue } from './issue-collector.js';
import { entriesOf, isPlainObject } from './plain-values.js';

/** What all loaded plugins contribute to validation. */
export interface ConfigSchemas {
  tools: ReadonlyMap<string, ZodObject<ZodRawShape>>;
  agentOptions: ReadonlyMap<string, ZodType>;
  sections: ReadonlyMap<string, ZodType>;
  files: ReadonlyMap<string, ZodType>;
  checks: readonly ((config: ResolvedConfig) => readonly ConfigCheckProblem[])[];
}

export function collectConfigSchemas(plugins: readonly PluginDefinition[]): ConfigSchemas {
  const tools = new Map<string, ZodObject<ZodRawShape>>();
  const agentOptions = new Map<string, ZodType>();
  const sections = new Map<string, ZodType>();
  const files = new Map<string, ZodType>();
  const checks: ((config: ResolvedConfig) => readonly ConfigCheckProblem[])[] = [];
  for (const plugin of plugins) {
    const schema = plugin.configSchema;
    if (!schema) continue;
    for (const [id, toolSchema] of Object.entries(schema.tools ?? {})) tools.set(id, toolSchema);
    for (const [id, optionSchema] of Object.entries(schema.agentOptions ?? {}))
      agentOptions.set(id, optionSchema);
    for (const [key, sectionSchema] of Object.entries(schema.sections ?? {}))
      sections.set(key, sectionSchema);
    for (const [file, fileSchema] of Object.entries(schema.files ?? {})) files.set(file, fileSchema);
    if (schema.check) checks.push(schema.check);
  }
  return { tools, agentOptions, sections, files, checks };
}

const lenientSchemas = new WeakMap<ZodRawShape, ZodType>();

/**
 * The same object schema without the unknown-key check, to read what it can of an entry already reported as invalid.
 * Made once per shape: a config with a problem in each of thousands of entries would otherwise build one per entry.
 */
function lenient(shape: ZodRawShape): ZodType {
  let schema = lenientSchemas.get(shape);
  if (!schema) lenientSchemas.set(shape, (schema = z.object(shape)));
  return schema;
}

/**
 * Parts of a config that first-party plugins read, by the plugin that reads each. A budget nobody enforces, or
 * telemetry nobody records, must not pass silently when a kernel is made without that plugin (a library user's, say):
 * the problem names the plugin to load. Only names: core depends on no plugin.
 */
const firstPartyOwners = {
  sections: { telemetry: '@llm-service/telemetry' } as Record<string, string>,
  files: { 'policies.yaml': '@llm-service/policy' } as Record<string, string>,
};

const loadHint = (owner: string) =>
  `load ${owner}: the llm-service CLI does; a kernel made in code needs it among its plugins (or in plugins: of llm-service.yaml)`;

function checkOwnedParts(
  collector: IssueCollector,
  sources: ConfigSources,
  schemas: ConfigSchemas,
  settingsValue: unknown,
): void {
  if (settingsValue !== null && typeof settingsValue === 'object') {
    for (const key of Object.keys(settingsValue)) {
      const owner = firstPartyOwners.sections[key];
      if (owner !== undefined && !schemas.sections.has(key))
        collector.add(
          configFileNames.settings,
          [key],
          `the ${key}: section is read by the plugin ${owner}, which is not loaded`,
          loadHint(owner),
          true,
        );
    }
  }
  for (const [fileName, owner] of Object.entries(firstPartyOwners.files)) {
    if (sources.files.has(fileName) && !schemas.files.has(fileName))
      collector.add(
        fileName,
        [],
        `${fileName} is read by the plugin ${owner}, which is not loaded`,
        loadHint(owner),
      );
  }
}

/** The settings without the sections `checkOwnedParts` reported, so they are not reported again as unknown fields. */
function withoutOwnedSections(value: unknown, schemas: ConfigSchemas): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).filter(
      ([key]) => firstPartyOwners.sections[key] === undefined || schemas.sections.has(key),
    ),
  );
}

/**
 * Validates every file against the core schemas and the plugins' contributions, then checks cross references.
 * Throws one ConfigError holding every problem found.
 */
export function resolveConfig(
  configSources: ConfigSources,
  schemas: ConfigSchemas,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedConfig {
  const sources = withPluginFiles(configSources, schemas.files.keys());
  const collector = new IssueCollector(sources);
  collector.issues.push(...sources.issues);

  const agentsValue = fileValue(sources, configFileNames.agents, env, collector);
  const toolsValue = fileValue(sources, configFileNames.tools, env, collector);
  const modelsValue = fileValue(sources, configFileNames.models, env, collector);
  if (agentsValue !== undefined) collector.parse(configFileNames.agents, agentsFileFrameSchema, agentsValue);
  if (toolsValue !== undefined) collector.parse(configFileNames.tools, toolsFileSchema, toolsValue);
  if (modelsValue !== undefined) collector.parse(configFileNames.models, modelsFileFrameSchema, modelsValue);

  const modelEntries = entriesOf(modelsValue, 'models');
  const models: Record<string, ModelPrice> = {};
  for (const [modelName, entry] of modelEntries ?? []) {
    const parsed = collector.parse(configFileNames.models, modelSchema, entry, ['models', modelName]);
    if (parsed) models[modelName] = parsed;
  }

  const knownAdapters = [...schemas.tools.keys()];
  const toolEntries = entriesOf(toolsValue, 'tools');
  const tools: Record<string, ToolConfig> = {};
  /** Tools that failed validation but whose models could still be read, for cross-reference checks only. */
  const toolsForChecks: Record<string, ToolConfig> = {};
  for (const [toolName, entry] of toolEntries ?? []) {
    if (!isPlainObject(entry)) continue; // reported by the file's frame
    const adapterId = typeof entry.adapter === 'string' ? entry.adapter : 'generic-yaml';
    const adapterSchema = schemas.tools.get(adapterId);
    const path = ['tools', toolName];
    if (!adapterSchema) {
      collector.add(
        configFileNames.tools,
        [...path, 'adapter'],
        `unknown adapter '${adapterId}'`,
        `${suggestName(adapterId, knownAdapters, 'adapters')}; a third-party adapter's package goes in the plugins: list of llm-service.yaml`,
      );
      const fallback = lenient(coreToolShape).safeParse(entry);
      if (fallback.success) toolsForChecks[toolName] = fallback.data as ToolConfig;
      continue;
    }
    const shape = { ...coreToolShape, ...adapterSchema.shape };
    // Spreading `.shape` drops the adapter's object-level refinements (checks across several keys): re-attach them.
    const refinements = (adapterSchema._zod.def.checks ?? []) as z.core.$ZodCheck<Record<string, unknown>>[];
    const toolSchema = z.strictObject(shape).check(...refinements);
    const parsed = collector.parse(configFileNames.tools, toolSchema, entry, path);
    if (parsed) {
      tools[toolName] = parsed as ToolConfig;
      toolsForChecks[toolName] = parsed as ToolConfig;
    } else {
      const fallback = lenient(shape).safeParse(entry);
      if (fallback.success) toolsForChecks[toolName] = fallback.data as ToolConfig;
    }
  }

  const settingsSchema = z.strictObject({
    ...coreSettingsShape,
    ...Object.fromEntries([...schemas.sections].map(([key, schema]) => [key, schema.optional()])),
  });
  const settingsValue = sources.files.has(configFileNames.settings)
    ? fileValue(sources, configFileNames.settings, env, collector)
    : { version: 1 };
  checkOwnedParts(collector, sources, schemas, settingsValue);
  const settings =
    settingsValue === undefined
      ? undefined
      : collector.parse(
          configFileNames.settings,
          settingsSchema,
          withoutOwnedSections(settingsValue, schemas),
        );

  const files: Record<string, unknown> = {};
  for (const [fileName, schema] of schemas.files) {
    const value = sources.files.has(fileName) ? fileValue(sources, fileName, env, collector) : { version: 1 };
    files[fileName] = value === undefined ? undefined : collector.parse(fileName, schema, value);
  }

  const agents: Record<string, AgentConfig> = {};
  const agentsForChecks: Record<string, AgentConfig> = {};
  for (const [agentName, entry] of entriesOf(agentsValue, 'agents') ?? []) {
    const base = ['agents', agentName];
    const agent = collector.parse(configFileNames.agents, agentSchema, entry, base);
    if (!agent) {
      const fallback = lenient(agentSchema.shape).safeParse(entry);
      if (fallback.success) agentsForChecks[agentName] = fallback.data as AgentConfig;
      continue;
    }
    const options: Record<string, unknown> = {};
    for (const [adapterId, value] of Object.entries(agent.adapter_options)) {
      const path = [...base, 'adapter_options', adapterId];
      const optionSchema = schemas.agentOptions.get(adapterId);
      if (!optionSchema) {
        const known = [...schemas.agentOptions.keys()];
        collector.add(
          configFileNames.agents,
          path,
          `no adapter '${adapterId}' takes agent options`,
          suggestName(adapterId, known, 'adapters with options'),
          true,
        );
        continue;
      }
      options[adapterId] = collector.parse(configFileNames.agents, optionSchema, value, path);
    }
    agents[agentName] = { ...agent, adapter_options: options };
    agentsForChecks[agentName] = agents[agentName];
  }

  checkCrossReferences(collector, {
    agents: agentsForChecks,
    toolNames: toolEntries?.map(([name]) => name),
    tools: toolsForChecks,
    modelNames: modelEntries?.map(([name]) => name),
  });

  const config: ResolvedConfig = deepFreeze({
    dir: sources.dir,
    source: sources.source,
    project: projectOf(sources.dir, typeof settings?.project === 'string' ? settings.project : undefined),
    agents,
    tools,
    models,
    settings: (settings ?? { version: 1, plugins: [] }) as ResolvedConfig['settings'],
    files,
  });

  if (collector.issues.length === 0) {
    for (const check of schemas.checks) {
      for (const problem of check(config))
        collector.add(problem.file, problem.path, problem.message, problem.suggestion);
    }
  }
  if (collector.issues.length > 0) {
    const sorted = [...collector.issues].sort(
      (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
    );
    throw new ConfigError(sorted);
  }
  return config;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
