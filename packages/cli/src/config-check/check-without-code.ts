import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  ConfigError,
  configFileNames,
  coreToolShape,
  z,
  type ConfigIssue,
  type PluginDefinition,
  type ResolvedConfig,
} from '@llm-service/spec';
import {
  collectConfigSchemas,
  coreSettingsShape,
  locatePluginSpecifiers,
  resolveConfig,
  resolvePluginUrl,
  type ConfigSchemas,
  type ConfigSources,
} from '@llm-service/config';
import { locate, toPlainValue, type YamlSource } from '@llm-service/plugin-kit';

/** A part of a config no loaded plugin could check, because the plugin that may own it was not loaded. */
export interface UncheckedPart {
  file: string;
  line: number;
  column: number;
  /** Dotted field path inside the file; empty for a whole file. */
  path: string;
  /** What the part is and why it was not checked. */
  message: string;
}

export interface CheckWithoutCodeResult {
  /** The configuration as validated, when no problem was found. */
  config?: ResolvedConfig;
  /** Every problem found, located as `config validate` reports them. */
  problems: readonly ConfigIssue[];
  /** The plugins named in `plugins:` that were not loaded (none of their code ran), each with where it is named. */
  notLoaded: readonly { specifier: string; where: string }[];
  /** The parts those plugins may own, left unchecked; sorted by file and line. */
  unchecked: readonly UncheckedPart[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

/** A file's plain value, or undefined when it is absent or does not parse (a problem `resolveConfig` reports). */
function plainValue(source: YamlSource | undefined): unknown {
  if (!source || source.hasSyntaxErrors) return undefined;
  return toPlainValue(source).value;
}

const isPathSpecifier = (specifier: string) =>
  specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier);

/** `file:line:column` as `locatePluginSpecifiers` gives it, back into its parts. */
function splitWhere(where: string): { file: string; line: number; column: number } {
  const match = /^(.*):(\d+):(\d+)$/.exec(where);
  return match
    ? { file: match[1] ?? where, line: Number(match[2]), column: Number(match[3]) }
    : { file: where, line: 1, column: 1 };
}

function displayPathOf(absolutePath: string, cwd: string | undefined): string {
  if (cwd === undefined) return absolutePath;
  const path = relative(cwd, absolutePath);
  if (path === '') return '.';
  return path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path) ? path : absolutePath;
}

interface NamedPlugin {
  specifier: string;
  where: string;
  /** Its index in `plugins:`, for the field path of a problem with it. */
  index: number;
}

/** The index of each `plugins:` entry by where it is (`file:line:column`, as `locatePluginSpecifiers` gives it). */
function pluginIndexes(sources: ConfigSources): Map<string, number> {
  const indexes = new Map<string, number>();
  const settings = sources.files.get(configFileNames.settings);
  const value = plainValue(settings);
  const list = isPlainObject(value) ? value.plugins : undefined;
  if (!settings || !Array.isArray(list)) return indexes;
  for (const index of list.keys()) {
    const { line, column } = locate(settings, ['plugins', index]);
    indexes.set(`${settings.displayPath}:${line}:${column}`, index);
  }
  return indexes;
}

/**
 * A named plugin that is not loaded is still looked for, which runs nothing: a path must exist, a package must resolve
 * from the config directory. Either failing is what loading it would report first.
 */
async function findProblems(
  sources: ConfigSources,
  notLoaded: readonly NamedPlugin[],
): Promise<ConfigIssue[]> {
  const shownDir = displayPathOf(sources.dir, sources.cwd);
  const problems: ConfigIssue[] = [];
  for (const { specifier, where, index } of notLoaded) {
    const at = { ...splitWhere(where), path: `plugins.${index}` };
    if (isPathSpecifier(specifier)) {
      if (!existsSync(resolve(sources.dir, specifier)))
        problems.push({
          ...at,
          message: `plugin ${specifier} does not exist`,
          suggestion: `fix the path (relative to ${shownDir}) or remove the entry`,
        });
      continue;
    }
    try {
      await resolvePluginUrl(specifier, sources.dir);
    } catch {
      problems.push({
        ...at,
        message: `plugin ${specifier} cannot be found from ${shownDir}`,
        suggestion: `install it there (npm install ${specifier}) or fix the name`,
      });
    }
  }
  return problems;
}

/**
 * Stand-in schemas for what the plugins not loaded may own: sections of llm-service.yaml, the fields of tools whose
 * adapter they may provide, agents' options for such adapters. Each accepts anything and is listed as unchecked; the
 * core fields around them (a tool's binary and models, every cross reference) are checked as usual.
 */
function standIns(
  sources: ConfigSources,
  schemas: ConfigSchemas,
): { schemas: ConfigSchemas; unchecked: UncheckedPart[] } {
  const unchecked: UncheckedPart[] = [];
  const sections = new Map(schemas.sections);
  const tools = new Map(schemas.tools);
  const agentOptions = new Map(schemas.agentOptions);
  const mark = (file: string, path: (string | number)[], message: string, atKey = false) => {
    const source = sources.files.get(file);
    if (!source) return;
    unchecked.push({
      file: source.displayPath,
      ...locate(source, path, { pointAtKey: atKey }),
      path: path.join('.'),
      message,
    });
  };

  const settings = plainValue(sources.files.get(configFileNames.settings));
  if (isPlainObject(settings))
    for (const key of Object.keys(settings)) {
      if (key in coreSettingsShape || sections.has(key)) continue;
      sections.set(key, z.unknown());
      mark(configFileNames.settings, [key], 'a section no built-in plugin reads', true);
    }

  const toolEntries = (
    plainValue(sources.files.get(configFileNames.tools)) as { tools?: unknown } | undefined
  )?.tools;
  const extraKeys = new Map<string, Set<string>>();
  if (isPlainObject(toolEntries))
    for (const [name, entry] of Object.entries(toolEntries)) {
      if (!isPlainObject(entry) || typeof entry.adapter !== 'string' || tools.has(entry.adapter)) continue;
      const keys = extraKeys.get(entry.adapter) ?? new Set<string>();
      for (const key of Object.keys(entry)) if (!(key in coreToolShape)) keys.add(key);
      extraKeys.set(entry.adapter, keys);
      mark(
        configFileNames.tools,
        ['tools', name, 'adapter'],
        `the fields adapter '${entry.adapter}' adds (no built-in plugin provides it)`,
      );
    }
  for (const [adapter, keys] of extraKeys)
    tools.set(adapter, z.object(Object.fromEntries([...keys].map((key) => [key, z.unknown()]))));

  const agents = (plainValue(sources.files.get(configFileNames.agents)) as { agents?: unknown } | undefined)
    ?.agents;
  if (isPlainObject(agents))
    for (const [name, agent] of Object.entries(agents)) {
      const options = isPlainObject(agent) ? agent.adapter_options : undefined;
      if (!isPlainObject(options)) continue;
      for (const adapter of Object.keys(options)) {
        if (schemas.agentOptions.has(adapter)) continue;
        agentOptions.set(adapter, z.unknown());
        mark(
          configFileNames.agents,
          ['agents', name, 'adapter_options', adapter],
          `options for adapter '${adapter}' (no built-in plugin provides it)`,
          true,
        );
      }
    }

  // A plugin may own a file of its own (as the policy plugin owns policies.yaml).
  const known = new Set<string>([...Object.values(configFileNames), ...schemas.files.keys()]);
  let names: string[] = [];
  try {
    names = readdirSync(sources.dir).filter((name) => /\.ya?ml$/.test(name) && !known.has(name));
  } catch {
    // An unreadable directory has been reported by reading its files.
  }
  for (const name of names.sort())
    unchecked.push({
      file: displayPathOf(join(sources.dir, name), sources.cwd),
      line: 1,
      column: 1,
      path: '',
      message: 'a file no built-in plugin reads',
    });

  return { schemas: { ...schemas, sections, tools, agentOptions }, unchecked };
}

/**
 * Checks a configuration without running any of its code, for a project config not trusted yet: every core file, the
 * parts the distribution's own plugins (`plugins`, e.g. the CLI's built-in ones) own, and whether each plugin named in
 * `plugins:` can be found. Those plugins are not loaded: their code is the project's. What they may own is listed as
 * unchecked rather than reported as unknown.
 */
export async function checkConfigWithoutCode(
  sources: ConfigSources,
  plugins: readonly PluginDefinition[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<CheckWithoutCodeResult> {
  const loaded = new Set(plugins.map((plugin) => plugin.name));
  // A built-in plugin named again in `plugins:` is the one already loaded.
  const indexes = pluginIndexes(sources);
  const notLoaded = locatePluginSpecifiers(sources, env)
    .filter(({ specifier }) => !loaded.has(specifier))
    .map((named) => ({ ...named, index: indexes.get(named.where) ?? 0 }));
  const own = collectConfigSchemas(plugins);
  const { schemas, unchecked } =
    notLoaded.length === 0 ? { schemas: own, unchecked: [] } : standIns(sources, own);
  const problems = await findProblems(sources, notLoaded);
  let config: ResolvedConfig | undefined;
  try {
    config = resolveConfig(sources, schemas, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.issues);
  }
  for (const { specifier, where, index } of notLoaded) {
    if (problems.some((problem) => problem.path === `plugins.${index}`)) continue;
    unchecked.push({
      ...splitWhere(where),
      path: `plugins.${index}`,
      message: `plugin ${specifier}: not loaded, as it is code the config runs; nor its sections, adapters and checks`,
    });
  }
  const byPlace = (a: { file: string; line: number; column: number }, b: typeof a) =>
    a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
  return {
    ...(problems.length === 0 && config ? { config } : {}),
    problems: problems.sort(byPlace),
    notLoaded: notLoaded.map(({ specifier, where }) => ({ specifier, where })),
    unchecked: unchecked.sort(byPlace),
  };
}
