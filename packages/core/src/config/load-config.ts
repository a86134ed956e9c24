import { readFileSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import { z } from 'zod';
import type { ZodObject, ZodRawShape, ZodType } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import type { ConfigCheckProblem, PluginDefinition } from '../plugin/define-plugin.js';
import { suggestName } from '../text/did-you-mean.js';
import type { ConfigDirSource } from './discover.js';
import { interpolateEnv, type InterpolationProblem } from './interpolate.js';
import { configFileNames, requiredConfigFiles, type ResolvedConfig } from './resolved-config.js';
import {
  agentsFileSchema,
  coreSettingsShape,
  coreToolShape,
  modelsFileSchema,
  toolsFileSchema,
  type AgentConfig,
  type ModelPrice,
  type ToolConfig,
} from './schemas.js';
import { locate, parseYamlSource, type YamlSource } from './yaml-source.js';
import { describeZodIssues } from './zod-issues.js';

/** The config directory's files, parsed with positions, before any validation. */
export interface ConfigSources {
  dir: string;
  source: ConfigDirSource;
  files: ReadonlyMap<string, YamlSource>;
  /** Missing required files and YAML syntax errors. */
  issues: ConfigIssue[];
}

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
    for (const [id, optionSchema] of Object.entries(schema.agentOptions ?? {})) agentOptions.set(id, optionSchema);
    for (const [key, sectionSchema] of Object.entries(schema.sections ?? {})) sections.set(key, sectionSchema);
    for (const [file, fileSchema] of Object.entries(schema.files ?? {})) files.set(file, fileSchema);
    if (schema.check) checks.push(schema.check);
  }
  return { tools, agentOptions, sections, files, checks };
}

function displayPathOf(absolutePath: string, cwd: string): string {
  const relativePath = relative(cwd, absolutePath);
  return relativePath && !relativePath.startsWith('..') && !isAbsolute(relativePath) ? relativePath : absolutePath;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Reads every config file that exists; `extraFiles` are plugin-owned files such as policies.yaml. */
export function readConfigSources(
  dir: string,
  source: ConfigDirSource,
  cwd: string,
  extraFiles: readonly string[] = [configFileNames.policies],
): ConfigSources {
  const files = new Map<string, YamlSource>();
  const issues: ConfigIssue[] = [];
  const names = new Set<string>([...requiredConfigFiles, configFileNames.settings, ...extraFiles]);
  for (const name of names) {
    const absolutePath = join(dir, name);
    const displayPath = displayPathOf(absolutePath, cwd);
    const text = readText(absolutePath);
    if (text === undefined) {
      if ((requiredConfigFiles as readonly string[]).includes(name)) {
        issues.push({
          file: displayPath,
          line: 1,
          column: 1,
          path: '',
          message: `missing required file ${name} in ${displayPathOf(dir, cwd) || '.'}`,
          suggestion: `run \`llm-service init --dir ${displayPathOf(dir, cwd) || '.'}\` to create a config, or pass --config-dir`,
        });
      }
      continue;
    }
    const parsed = parseYamlSource(absolutePath, displayPath, text);
    files.set(name, parsed.source);
    for (const problem of parsed.problems) issues.push({ file: displayPath, path: '', ...problem });
  }
  return { dir, source, files, issues };
}

/** The `plugins:` list of llm-service.yaml, read before plugins load (their schemas are needed to validate the rest). */
export function readPluginSpecifiers(sources: ConfigSources): string[] {
  const settings = sources.files.get(configFileNames.settings);
  if (!settings) return [];
  const plugins = settings.document.get('plugins');
  const value: unknown = plugins && typeof plugins === 'object' && 'toJSON' in plugins ? (plugins as { toJSON(): unknown }).toJSON() : plugins;
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

class IssueCollector {
  readonly issues: ConfigIssue[] = [];
  constructor(private readonly sources: ConfigSources) {}

  add(fileName: string, path: readonly PropertyKey[], message: string, suggestion?: string, atKey = false): void {
    const source = this.sources.files.get(fileName);
    const position = source ? locate(source, path, { pointAtKey: atKey }) : { line: 1, column: 1 };
    this.issues.push({
      file: source?.displayPath ?? join(this.sources.dir, fileName),
      line: position.line,
      column: position.column,
      path: path.map(String).join('.'),
      message,
      ...(suggestion ? { suggestion } : {}),
    });
  }

  /** Validates `value` with `schema`, records every problem under `prefix`, and returns the parsed value if valid. */
  parse<T>(fileName: string, schema: ZodType<T>, value: unknown, prefix: readonly PropertyKey[] = []): T | undefined {
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) return result.data;
    for (const problem of describeZodIssues(schema, result.error.issues)) {
      this.add(fileName, [...prefix, ...problem.path], problem.message, problem.suggestion, problem.atKey);
    }
    return undefined;
  }
}

function fileValue(
  sources: ConfigSources,
  fileName: string,
  env: Readonly<Record<string, string | undefined>>,
  collector: IssueCollector,
): unknown {
  const source = sources.files.get(fileName);
  if (!source || source.document.errors.length > 0) return undefined;
  const problems: InterpolationProblem[] = [];
  const value = interpolateEnv(source.document.toJS({ maxAliasCount: 100 }), env, problems);
  for (const problem of problems) {
    collector.add(
      fileName,
      problem.path,
      `environment variable ${problem.variable} is not set`,
      `set ${problem.variable}, or give a default: \${${problem.variable}:-value}`,
    );
  }
  return value ?? {};
}

/** Splits a fallback entry at its first colon: `ollama:qwen2.5:7b` is tool `ollama`, model `qwen2.5:7b`. */
export function parseToolModel(entry: string): { tool: string; model: string } | undefined {
  const colon = entry.indexOf(':');
  if (colon <= 0 || colon === entry.length - 1) return undefined;
  return { tool: entry.slice(0, colon), model: entry.slice(colon + 1) };
}

function checkCrossReferences(
  collector: IssueCollector,
  agents: Record<string, AgentConfig>,
  tools: Record<string, ToolConfig>,
  models: Record<string, ModelPrice>,
): void {
  const toolNames = Object.keys(tools);
  const modelNames = Object.keys(models);
  const agentsFile = configFileNames.agents;

  const checkToolModel = (path: readonly PropertyKey[], tool: string, model: string | undefined) => {
    const toolConfig = tools[tool];
    if (!toolConfig) return;
    if (model === undefined) return;
    if (!toolConfig.models.includes(model)) {
      collector.add(
        agentsFile,
        path,
        `model '${model}' is not one tool '${tool}' runs`,
        `${suggestName(model, toolConfig.models, `models of ${tool}`)}; or add it to tools.${tool}.models in tools.yaml`,
      );
    }
  };
  const checkTool = (path: readonly PropertyKey[], tool: string) => {
    if (tools[tool]) return true;
    collector.add(agentsFile, path, `unknown tool '${tool}'`, suggestName(tool, toolNames, 'tools'));
    return false;
  };

  for (const [agentName, agent] of Object.entries(agents)) {
    const base = ['agents', agentName];
    if (checkTool([...base, 'preferred_tool'], agent.preferred_tool)) {
      checkToolModel([...base, 'preferred_model'], agent.preferred_tool, agent.preferred_model);
    }
    for (const [taskType, route] of Object.entries(agent.task_types)) {
      const tool = route.tool ?? agent.preferred_tool;
      const routePath = [...base, 'task_types', taskType];
      if (route.tool === undefined || checkTool([...routePath, 'tool'], route.tool)) {
        checkToolModel([...routePath, 'model'], tool, route.model);
      }
    }
    agent.fallback_chain.forEach((entry, index) => {
      const path = [...base, 'fallback_chain', index];
      const parsed = parseToolModel(entry);
      if (!parsed) {
        collector.add(agentsFile, path, `fallback entry '${entry}' is not tool:model`, `write it as "tool:model", e.g. "claude:claude-sonnet-4-5"`);
        return;
      }
      if (checkTool(path, parsed.tool)) checkToolModel(path, parsed.tool, parsed.model);
    });
  }

  for (const [toolName, tool] of Object.entries(tools)) {
    tool.models.forEach((model, index) => {
      if (!models[model]) {
        collector.add(
          configFileNames.tools,
          ['tools', toolName, 'models', index],
          `model '${model}' has no price in models.yaml`,
          `${suggestName(model, modelNames, 'models')}; or add '${model}:' with input_per_mtok and output_per_mtok to models.yaml`,
        );
      }
    });
  }
}

/**
 * Validates every file against the core schemas and the plugins' contributions, then checks cross references.
 * Throws one ConfigError holding every problem found.
 */
export function resolveConfig(
  sources: ConfigSources,
  schemas: ConfigSchemas,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedConfig {
  const collector = new IssueCollector(sources);
  collector.issues.push(...sources.issues);

  const agentsFile = collector.parse(configFileNames.agents, agentsFileSchema, fileValue(sources, configFileNames.agents, env, collector));
  const modelsFile = collector.parse(configFileNames.models, modelsFileSchema, fileValue(sources, configFileNames.models, env, collector));
  const toolsRaw = collector.parse(configFileNames.tools, toolsFileSchema, fileValue(sources, configFileNames.tools, env, collector));

  const knownAdapters = [...schemas.tools.keys()];
  const tools: Record<string, ToolConfig> = {};
  for (const [toolName, entry] of Object.entries(toolsRaw?.tools ?? {})) {
    const adapterId = typeof entry.adapter === 'string' ? entry.adapter : 'generic-yaml';
    const adapterSchema = schemas.tools.get(adapterId);
    if (!adapterSchema) {
      collector.add(
        configFileNames.tools,
        ['tools', toolName, 'adapter'],
        `unknown adapter '${adapterId}'`,
        `${suggestName(adapterId, knownAdapters, 'adapters')}; a third-party adapter's package goes in the plugins: list of llm-service.yaml`,
      );
      continue;
    }
    const schema = z.strictObject({ ...coreToolShape, ...adapterSchema.shape });
    const parsed = collector.parse(configFileNames.tools, schema, entry, ['tools', toolName]);
    if (parsed) tools[toolName] = parsed as ToolConfig;
  }

  const settingsSchema = z.strictObject({
    ...coreSettingsShape,
    ...Object.fromEntries([...schemas.sections].map(([key, schema]) => [key, schema.optional()])),
  });
  const settingsValue = sources.files.has(configFileNames.settings)
    ? fileValue(sources, configFileNames.settings, env, collector)
    : { version: 1 };
  const settings = collector.parse(configFileNames.settings, settingsSchema, settingsValue);

  const files: Record<string, unknown> = {};
  for (const [fileName, schema] of schemas.files) {
    const value = sources.files.has(fileName) ? fileValue(sources, fileName, env, collector) : { version: 1 };
    files[fileName] = collector.parse(fileName, schema, value);
  }

  const agents: Record<string, AgentConfig> = {};
  for (const [agentName, agent] of Object.entries(agentsFile?.agents ?? {})) {
    const options: Record<string, unknown> = {};
    for (const [adapterId, value] of Object.entries(agent.adapter_options)) {
      const path = ['agents', agentName, 'adapter_options', adapterId];
      const optionSchema = schemas.agentOptions.get(adapterId);
      if (!optionSchema) {
        const known = [...schemas.agentOptions.keys()];
        collector.add(configFileNames.agents, path, `no adapter '${adapterId}' takes agent options`, suggestName(adapterId, known, 'adapters with options'), true);
        continue;
      }
      options[adapterId] = collector.parse(configFileNames.agents, optionSchema, value, path);
    }
    agents[agentName] = { ...agent, adapter_options: options };
  }

  const models = modelsFile?.models ?? {};
  if (agentsFile && toolsRaw && modelsFile) checkCrossReferences(collector, agents, tools, models);

  const config: ResolvedConfig = deepFreeze({
    dir: sources.dir,
    source: sources.source,
    agents,
    tools,
    models,
    settings: (settings ?? { version: 1, plugins: [] }) as ResolvedConfig['settings'],
    files,
  });

  if (collector.issues.length === 0) {
    for (const check of schemas.checks) {
      for (const problem of check(config)) collector.add(problem.file, problem.path, problem.message, problem.suggestion);
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
