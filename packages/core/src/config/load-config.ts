import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { z } from '@llm-service/spec';
import type { ZodObject, ZodRawShape, ZodType } from 'zod';
import {
  agentSchema,
  ConfigError,
  ExitCode,
  LlmServiceError,
  configFileNames,
  coreToolShape,
  modelSchema,
  requiredConfigFiles,
  type AgentConfig,
  type ConfigCheckProblem,
  type ConfigIssue,
  type ModelPrice,
  type PluginDefinition,
  type ResolvedConfig,
  type ToolConfig,
} from '@llm-service/spec';
import {
  agentsFileFrameSchema,
  coreSettingsShape,
  projectOf,
  modelsFileFrameSchema,
  toolsFileSchema,
} from './file-schemas.js';
import {
  describeZodIssues,
  locate,
  parseYamlSource,
  readTextFile,
  suggestName,
  toPlainValue,
  type YamlSource,
} from '@llm-service/plugin-kit';
import type { ConfigDirSource } from './discover.js';
import { interpolateEnv, type InterpolationProblem } from './interpolate.js';

/** The config directory's files, parsed with positions, before any validation. */
export interface ConfigSources {
  dir: string;
  source: ConfigDirSource;
  files: ReadonlyMap<string, YamlSource>;
  /** The working directory file paths are shown relative to. */
  cwd?: string;
  /** The file names looked for, present or not. */
  read?: readonly string[];
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
    for (const [id, optionSchema] of Object.entries(schema.agentOptions ?? {}))
      agentOptions.set(id, optionSchema);
    for (const [key, sectionSchema] of Object.entries(schema.sections ?? {}))
      sections.set(key, sectionSchema);
    for (const [file, fileSchema] of Object.entries(schema.files ?? {})) files.set(file, fileSchema);
    if (schema.check) checks.push(schema.check);
  }
  return { tools, agentOptions, sections, files, checks };
}

function displayPathOf(absolutePath: string, cwd: string | undefined): string {
  if (cwd === undefined) return absolutePath;
  const relativePath = relative(cwd, absolutePath);
  if (relativePath === '') return '.';
  return !relativePath.startsWith(`..${sep}`) && relativePath !== '..' && !isAbsolute(relativePath)
    ? relativePath
    : absolutePath;
}

/** A config file is a few KiB of YAML: anything far larger is a mistake (or a link to a device), not a config. */
export const maxConfigFileBytes = 1024 * 1024;

/**
 * Reads one config file of a directory, parsed with positions. A missing file is a problem only if required: an absent
 * optional one yields neither a source nor an issue.
 */
export function readConfigFile(
  dir: string,
  name: string,
  cwd: string | undefined,
): { source?: YamlSource; issues: ConfigIssue[] } {
  const absolutePath = join(dir, name);
  const displayPath = displayPathOf(absolutePath, cwd);
  const read = readTextFile(absolutePath, { maxBytes: maxConfigFileBytes });
  const issue = (message: string, suggestion?: string, line = 1): { issues: ConfigIssue[] } => ({
    issues: [
      { file: displayPath, line, column: 1, path: '', message, ...(suggestion ? { suggestion } : {}) },
    ],
  });
  if (!read.ok) {
    if (read.reason === 'missing') {
      if (!(requiredConfigFiles as readonly string[]).includes(name)) return { issues: [] };
      const shownDir = displayPathOf(dir, cwd);
      return issue(
        `missing required file ${name} in ${shownDir}`,
        `run \`llm-service init --dir ${shownDir}\` to create a config, or pass --config-dir`,
      );
    }
    if (read.reason === 'unreadable') return issue(`cannot read ${name} (${read.code ?? read.message})`);
    if (read.reason === 'not-utf8')
      return issue(`${name} is not UTF-8 text (line ${read.line})`, 'save it as UTF-8', read.line);
    return issue(`cannot read ${name}: ${read.message}`, `make ${name} a YAML file of at most 1 MiB`);
  }
  const parsed = parseYamlSource(absolutePath, displayPath, read.text);
  return {
    source: parsed.source,
    issues: parsed.problems.map((problem) => ({ file: displayPath, path: '', ...problem })),
  };
}

const whereFrom: Record<ConfigDirSource, string> = {
  flag: 'given by --config-dir',
  env: 'given by LLM_SERVICE_CONFIG_DIR',
  project: 'the project config found here',
  user: "the user's config",
};

/** Whether a directory holds a config, begun at least: one of its files, so the others can be reported missing. */
export function holdsConfig(dir: string): boolean {
  return [...requiredConfigFiles, configFileNames.settings].some((name) => existsSync(join(dir, name)));
}

/**
 * No config at all (the directory is missing, or holds none of the config files) is one problem with one fix,
 * not a missing-file problem for each file.
 */
function noConfigError(dir: string, source: ConfigDirSource, cwd: string): LlmServiceError {
  const shown = displayPathOf(dir, cwd);
  const options = { exitCode: ExitCode.usage };
  if (source === 'user')
    return new LlmServiceError(
      'E_CONFIG',
      `no config found: no .llm-service/ directory here or in a parent directory, and none in ${shown}`,
      {
        ...options,
        hint: 'run `llm-service init` to create one in ./.llm-service (or pass --config-dir DIR)',
      },
    );
  const what = existsSync(dir) ? `no config in ${shown}` : `no config directory ${shown}`;
  return new LlmServiceError('E_CONFIG', `${what} (${whereFrom[source]})`, {
    ...options,
    hint: `run \`llm-service init --dir ${shown}\` to create one there`,
  });
}

/**
 * Reads every config file that exists; `extraFiles` are plugin-owned files such as policies.yaml. Throws when there
 * is no config to read at all.
 */
export function readConfigSources(
  dir: string,
  source: ConfigDirSource,
  cwd: string,
  extraFiles: readonly string[] = [configFileNames.policies],
): ConfigSources {
  if (!holdsConfig(dir)) throw noConfigError(dir, source, cwd);
  const files = new Map<string, YamlSource>();
  const issues: ConfigIssue[] = [];
  const names = new Set<string>([...requiredConfigFiles, configFileNames.settings, ...extraFiles]);
  for (const name of names) {
    const read = readConfigFile(dir, name, cwd);
    if (read.source) files.set(name, read.source);
    issues.push(...read.issues);
  }
  return { dir, source, cwd, files, issues, read: [...names] };
}

/**
 * Plugins are known only after llm-service.yaml has been read, so the files they own (beyond the default
 * policies.yaml) are read here, once their schemas say which they are.
 */
function withPluginFiles(sources: ConfigSources, names: Iterable<string>): ConfigSources {
  const alreadyRead = new Set(sources.read ?? [...sources.files.keys()]);
  const unread = [...names].filter((name) => !alreadyRead.has(name) && !sources.files.has(name));
  if (unread.length === 0) return sources;
  const files = new Map(sources.files);
  const issues = [...sources.issues];
  for (const name of unread) {
    const read = readConfigFile(sources.dir, name, sources.cwd);
    if (read.source) files.set(name, read.source);
    issues.push(...read.issues);
  }
  return { ...sources, files, issues, read: [...alreadyRead, ...unread] };
}

/**
 * The `plugins:` list of llm-service.yaml, read before plugins load (their schemas are needed to validate the rest),
 * with `${VAR}` references resolved as in the validated config. Problems in the list are reported by `resolveConfig`.
 */
export function readPluginSpecifiers(
  sources: ConfigSources,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  return locatePluginSpecifiers(sources, env).map((entry) => entry.specifier);
}

/** The plugins named in llm-service.yaml, each with where it is named (`file:line:column`), for errors about it. */
export function locatePluginSpecifiers(
  sources: ConfigSources,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { specifier: string; where: string }[] {
  const settings = sources.files.get(configFileNames.settings);
  if (!settings || settings.hasSyntaxErrors) return [];
  const plain = toPlainValue(settings);
  const list = isPlainObject(plain.value) ? plain.value.plugins : undefined;
  if (!Array.isArray(list)) return [];
  const specifiers: { specifier: string; where: string }[] = [];
  for (const [index, item] of list.entries()) {
    if (typeof item !== 'string') continue;
    const problems: InterpolationProblem[] = [];
    const specifier = interpolateEnv(item, env, problems);
    // An unset variable is reported by resolveConfig at its line; loading `${VAR}/x.js` literally would only hide it.
    if (problems.length === 0 && typeof specifier === 'string' && specifier.length > 0) {
      const { line, column } = locate(settings, ['plugins', index]);
      specifiers.push({ specifier, where: `${settings.displayPath}:${line}:${column}` });
    }
  }
  return specifiers;
}

class IssueCollector {
  readonly issues: ConfigIssue[] = [];
  constructor(private readonly sources: ConfigSources) {}

  #displayPath(fileName: string): string {
    return displayPathOf(join(this.sources.dir, fileName), this.sources.cwd);
  }

  add(
    fileName: string,
    path: readonly PropertyKey[],
    message: string,
    suggestion?: string,
    atKey = false,
  ): void {
    const source = this.sources.files.get(fileName);
    const position = source ? locate(source, path, { pointAtKey: atKey }) : { line: 1, column: 1 };
    this.issues.push({
      file: source?.displayPath ?? this.#displayPath(fileName),
      line: position.line,
      column: position.column,
      path: path.map(String).join('.'),
      message,
      ...(suggestion ? { suggestion } : {}),
    });
  }

  /** Validates `value` with `schema`, records every problem under `prefix`, and returns the parsed value if valid. */
  parse<T>(
    fileName: string,
    schema: ZodType<T>,
    value: unknown,
    prefix: readonly PropertyKey[] = [],
  ): T | undefined {
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) return result.data;
    for (const problem of describeZodIssues(schema, result.error.issues)) {
      this.add(fileName, [...prefix, ...problem.path], problem.message, problem.suggestion, problem.atKey);
    }
    return undefined;
  }
}

/**
 * A file's value with `${VAR}` references resolved, or `undefined` when the file is absent or does not parse (both
 * already reported by `readConfigSources`, so validating it would only add noise).
 */
function fileValue(
  sources: ConfigSources,
  fileName: string,
  env: Readonly<Record<string, string | undefined>>,
  collector: IssueCollector,
): unknown {
  const source = sources.files.get(fileName);
  if (!source || source.hasSyntaxErrors) return undefined;
  const plain = toPlainValue(source);
  if (plain.problem) {
    // Already located (an alias), and tied to no field.
    const { line, column, message } = plain.problem;
    collector.issues.push({ file: source.displayPath, line, column, path: '', message });
    return undefined;
  }
  const problems: InterpolationProblem[] = [];
  const value = interpolateEnv(plain.value, env, problems);
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

/** The entries of a file's top-level mapping `key`, or `undefined` when there is no such mapping to look into. */
function entriesOf(value: unknown, key: string): [string, unknown][] | undefined {
  if (!isPlainObject(value)) return undefined;
  const section = value[key];
  return isPlainObject(section) ? Object.entries(section) : undefined;
}

/** Splits a fallback entry at its first colon: `ollama:qwen2.5:7b` is tool `ollama`, model `qwen2.5:7b`. */
export function parseToolModel(entry: string): { tool: string; model: string } | undefined {
  const colon = entry.indexOf(':');
  if (colon <= 0 || colon === entry.length - 1) return undefined;
  return { tool: entry.slice(0, colon), model: entry.slice(colon + 1) };
}

/**
 * What the cross-reference checks look at. Names are every entry the files define, valid or not (so a broken tool is
 * not also reported as unknown); the records hold the entries that parsed well enough to check against. A list is
 * `undefined` when its file could not be read at all, and then nothing is checked against it.
 */
interface CrossReferenceInput {
  agents: Record<string, AgentConfig>;
  toolNames: readonly string[] | undefined;
  tools: Record<string, ToolConfig>;
  modelNames: readonly string[] | undefined;
}

function checkCrossReferences(collector: IssueCollector, input: CrossReferenceInput): void {
  const { agents, toolNames, tools, modelNames } = input;
  const agentsFile = configFileNames.agents;

  const checkToolModel = (path: readonly PropertyKey[], tool: string, model: string | undefined) => {
    const toolConfig = tools[tool];
    if (!toolConfig || model === undefined || toolConfig.models.includes(model)) return;
    collector.add(
      agentsFile,
      path,
      `model '${model}' is not one tool '${tool}' runs`,
      `${suggestName(model, toolConfig.models, `models of ${tool}`)}; or add it to tools.${tool}.models in tools.yaml`,
    );
  };
  const checkTool = (path: readonly PropertyKey[], tool: string) => {
    if (toolNames === undefined) return false;
    if (toolNames.includes(tool)) return true;
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
      if (
        route.tool === undefined ? toolNames?.includes(tool) : checkTool([...routePath, 'tool'], route.tool)
      ) {
        checkToolModel([...routePath, 'model'], tool, route.model);
      }
    }
    agent.fallback_chain.forEach((entry, index) => {
      const path = [...base, 'fallback_chain', index];
      const parsed = parseToolModel(entry);
      if (!parsed) {
        collector.add(
          agentsFile,
          path,
          `fallback entry '${entry}' is not tool:model`,
          `write it as "tool:model", e.g. "claude:claude-sonnet-4-5"`,
        );
        return;
      }
      if (checkTool(path, parsed.tool)) checkToolModel(path, parsed.tool, parsed.model);
    });
  }

  if (modelNames === undefined) return;
  for (const [toolName, tool] of Object.entries(tools)) {
    tool.models.forEach((model, index) => {
      if (!modelNames.includes(model)) {
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
