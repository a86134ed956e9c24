import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import {
  ExitCode,
  LlmServiceError,
  configFileNames,
  requiredConfigFiles,
  type ConfigDirSource,
  type ConfigIssue,
} from '@llm-service/spec';
import { parseYamlSource, readTextFile, type YamlSource } from '@llm-service/plugin-kit';

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

export function displayPathOf(absolutePath: string, cwd: string | undefined): string {
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
export function withPluginFiles(sources: ConfigSources, names: Iterable<string>): ConfigSources {
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
