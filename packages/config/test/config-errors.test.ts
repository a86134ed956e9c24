import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  definePlugin,
  formatConfigIssue,
  z,
  type ConfigIssue,
  type ResolvedConfig,
} from '@llm-service/spec';
import {
  collectConfigSchemas,
  parseToolModel,
  readConfigSources,
  readPluginSpecifiers,
  resolveConfig,
} from '../src/index.js';

/**
 * A corpus of broken configs, each loaded through the real path (files on disk, `readConfigSources`, the plugins'
 * schemas, `resolveConfig`), asserting every problem is reported at its file, line, column and field path.
 */

/** Stands in for the first-party plugins: an adapter schema per adapter id, agent options, a section and a file. */
const testPlugin = definePlugin({
  name: '@llm-service/test-plugin',
  version: '1.0.0',
  apiVersion: '^1.0.0',
  register() {},
  configSchema: {
    tools: {
      'generic-yaml': z.strictObject({
        args: z.array(z.string()).default([]),
        prompt_via: z.enum(['stdin', 'arg', 'file']).default('stdin'),
      }),
      claude: z.strictObject({}),
    },
    agentOptions: {
      claude: z.strictObject({
        append_system_prompt_file: z.string().optional(),
        allowed_tools: z.array(z.string()).optional(),
      }),
    },
    sections: {
      telemetry: z.strictObject({
        db_path: z.string().optional(),
        capture_content: z.boolean().default(false),
      }),
    },
    files: {
      'policies.yaml': z.strictObject({
        version: z.literal(1),
        budgets: z
          .array(
            z.strictObject({
              scope: z.string(),
              period: z.enum(['daily', 'monthly']),
              limit_usd: z.number().min(0),
            }),
          )
          .default([]),
      }),
    },
  },
});
const schemas = collectConfigSchemas([testPlugin]);

// Line numbers below are those of these files; each case changes them as little as it can.
const agentsYaml = `version: 1
agents:
  architect:
    preferred_tool: claude
    preferred_model: claude-opus-4-5
    fallback_chain: ["claude:claude-sonnet-4-5", "codex:gpt-5"]
    task_types:
      review: { model: claude-sonnet-4-5 }
      docs: { tool: codex, model: gpt-5-mini }
    adapter_options:
      claude: { allowed_tools: [Read, Grep] }
`;
const toolsYaml = `version: 1
tools:
  claude:
    adapter: claude
    binary: claude
    models: [claude-opus-4-5, claude-sonnet-4-5]
    timeout_s: 600
  codex:
    binary: codex
    args: ["exec", "--model", "{{model}}", "-"]
    models: [gpt-5, gpt-5-mini]
`;
const modelsYaml = `version: 1
prices_as_of: 2026-11-01
models:
  claude-opus-4-5: { input_per_mtok: 15, output_per_mtok: 75 }
  claude-sonnet-4-5: { input_per_mtok: 3, output_per_mtok: 15, cache_read_per_mtok: 0.3 }
  gpt-5: { input_per_mtok: 1.25, output_per_mtok: 10 }
  gpt-5-mini: { input_per_mtok: 0.25, output_per_mtok: 2 }
`;
const settingsYaml = `version: 1
telemetry:
  capture_content: false
`;

type FileName = 'agents.yaml' | 'tools.yaml' | 'models.yaml' | 'llm-service.yaml' | 'policies.yaml';
/** A file's new content, or `null` to leave it out. */
type Files = Partial<Record<FileName, string | null>>;

const baseFiles: Record<FileName, string | null> = {
  'agents.yaml': agentsYaml,
  'tools.yaml': toolsYaml,
  'models.yaml': modelsYaml,
  'llm-service.yaml': settingsYaml,
  'policies.yaml': null,
};

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** Writes the config into `<tmp>/cfg` and loads it with `<tmp>` as the working directory, as the CLI would. */
function load(
  files: Files = {},
  env: Record<string, string | undefined> = {},
  plugins = schemas,
): ResolvedConfig {
  const root = mkdtempSync(join(tmpdir(), 'llm-service-config-'));
  roots.push(root);
  const dir = join(root, 'cfg');
  mkdirSync(dir);
  for (const [name, content] of Object.entries({ ...baseFiles, ...files })) {
    if (content !== null) writeFileSync(join(dir, name), content);
  }
  return resolveConfig(readConfigSources(dir, 'flag', root), plugins, env);
}

function loadError(
  files: Files,
  env: Record<string, string | undefined> = {},
  plugins = schemas,
): ConfigError {
  let caught: unknown;
  try {
    load(files, env, plugins);
  } catch (error) {
    caught = error;
  }
  expect(caught, 'the config should have been refused').toBeInstanceOf(ConfigError);
  const error = caught as ConfigError;
  expect(error.code).toBe('E_CONFIG');
  expect(error.exitCode).toBe(2);
  return error;
}

interface Expected {
  file: string;
  line: number;
  column?: number;
  path: string;
  message: string | RegExp;
  suggestion?: string | RegExp | null;
}

function matchesText(actual: string | undefined, expected: string | RegExp): boolean {
  if (actual === undefined) return false;
  return typeof expected === 'string' ? actual.includes(expected) : expected.test(actual);
}

/** Asserts the error holds exactly these issues, in this order. */
function expectIssues(error: ConfigError, expected: readonly Expected[]): void {
  const described = error.issues.map(formatConfigIssue).join('\n');
  expect(error.issues.length, `issues were:\n${described}`).toBe(expected.length);
  expected.forEach((want, index) => {
    const issue = error.issues[index] as ConfigIssue;
    const context = `issue ${index}: ${formatConfigIssue(issue)}`;
    expect(issue.file, context).toBe(`cfg/${want.file}`);
    expect(issue.line, context).toBe(want.line);
    if (want.column !== undefined) expect(issue.column, context).toBe(want.column);
    expect(issue.path, context).toBe(want.path);
    expect(
      matchesText(issue.message, want.message),
      `${context}\nexpected message ${String(want.message)}`,
    ).toBe(true);
    if (want.suggestion === null) expect(issue.suggestion, context).toBeUndefined();
    else if (want.suggestion !== undefined) {
      expect(
        matchesText(issue.suggestion, want.suggestion),
        `${context}\nexpected suggestion ${String(want.suggestion)}`,
      ).toBe(true);
    }
  });
}

/** Replaces exactly one occurrence, so a fixture edit that no longer applies fails loudly. */
function edit(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at === -1 || text.indexOf(from, at + 1) !== -1)
    throw new Error(`fixture edit: '${from}' must occur exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

interface Case {
  name: string;
  files: Files;
  env?: Record<string, string | undefined>;
  expected: Expected[];
}

const cases: Case[] = [
  {
    name: 'a missing required file suggests `llm-service init`',
    files: { 'agents.yaml': null },
    expected: [
      {
        file: 'agents.yaml',
        line: 1,
        column: 1,
        path: '',
        message: 'missing required file agents.yaml in cfg',
        suggestion: 'run `llm-service init --dir cfg` to create a config, or pass --config-dir',
      },
    ],
  },
  {
    name: 'two missing required files are both reported, and nothing else',
    files: { 'tools.yaml': null, 'models.yaml': null },
    expected: [
      {
        file: 'models.yaml',
        line: 1,
        column: 1,
        path: '',
        message: 'missing required file models.yaml',
        suggestion: 'llm-service init',
      },
      {
        file: 'tools.yaml',
        line: 1,
        column: 1,
        path: '',
        message: 'missing required file tools.yaml',
        suggestion: 'llm-service init',
      },
    ],
  },
  {
    name: 'a YAML syntax error is reported at its line, without follow-on schema errors',
    files: {
      'agents.yaml': edit(
        agentsYaml,
        'preferred_model: claude-opus-4-5',
        'preferred_model: claude: opus-4-5',
      ),
    },
    expected: [
      {
        file: 'agents.yaml',
        line: 5,
        column: 22,
        path: '',
        message: 'YAML syntax error: Nested mappings are not allowed in compact mappings',
        suggestion: null,
      },
    ],
  },
  {
    name: 'a tab used as indentation is a YAML syntax error at its line',
    files: { 'models.yaml': edit(modelsYaml, '  gpt-5-mini: {', '\tgpt-5-mini: {') },
    expected: [
      {
        file: 'models.yaml',
        line: 7,
        column: 1,
        path: '',
        message: 'YAML syntax error: Tabs are not allowed as indentation',
      },
    ],
  },
  {
    name: 'an unclosed flow sequence is a YAML syntax error',
    files: {
      'tools.yaml': edit(toolsYaml, '    models: [gpt-5, gpt-5-mini]\n', '    models: [gpt-5, gpt-5-mini\n'),
    },
    expected: [{ file: 'tools.yaml', line: 12, path: '', message: /^YAML syntax error: Flow sequence/ }],
  },
  {
    name: 'a duplicate key is refused at the second occurrence',
    files: {
      'tools.yaml': edit(toolsYaml, '    binary: codex\n', '    binary: codex\n    binary: codex-beta\n'),
    },
    expected: [
      {
        file: 'tools.yaml',
        line: 10,
        column: 5,
        path: '',
        message: 'YAML syntax error: Map keys must be unique',
      },
    ],
  },
  {
    name: 'an alias with no anchor is reported at the alias, not thrown',
    files: { 'tools.yaml': edit(toolsYaml, 'models: [gpt-5, gpt-5-mini]', 'models: *codex_models') },
    expected: [
      {
        file: 'tools.yaml',
        line: 11,
        column: 13,
        path: '',
        message: 'YAML error: Unresolved alias (the anchor must be set before the alias): codex_models',
      },
    ],
  },
  {
    name: 'an alias bomb is refused, not expanded',
    files: {
      'models.yaml': `${modelsYaml}x1: &x1 [a, a, a, a, a, a, a, a, a, a]\nx2: &x2 [*x1, *x1, *x1, *x1, *x1, *x1, *x1, *x1, *x1, *x1]\nx3: [*x2, *x2, *x2, *x2, *x2, *x2, *x2, *x2, *x2, *x2]\n`,
    },
    expected: [
      { file: 'models.yaml', line: 1, column: 1, path: '', message: 'YAML error: Excessive alias count' },
    ],
  },
  {
    name: 'an alias inside the node it names is refused at the alias, not a stack overflow',
    files: { 'models.yaml': `${modelsYaml}loop: &loop [1, *loop]\n` },
    expected: [
      {
        file: 'models.yaml',
        line: 8,
        column: 17,
        path: '',
        message:
          'YAML error: the alias *loop is inside the node &loop it refers to, so its value would contain itself',
      },
    ],
  },
  {
    name: 'version: 2 is refused as newer than this release',
    files: { 'tools.yaml': edit(toolsYaml, 'version: 1', 'version: 2') },
    expected: [
      {
        file: 'tools.yaml',
        line: 1,
        column: 10,
        path: 'version',
        message: '2 is not supported: expected `version: 1`',
        suggestion: 'this file was written for a newer llm-service: upgrade llm-service to read it',
      },
    ],
  },
  {
    name: 'version: 0 says that 1 is the first version',
    files: { 'agents.yaml': edit(agentsYaml, 'version: 1', 'version: 0') },
    expected: [
      {
        file: 'agents.yaml',
        line: 1,
        column: 10,
        path: 'version',
        message: '0 is not supported',
        suggestion: 'version 1 is the first config format; write `version: 1`',
      },
    ],
  },
  {
    name: 'a missing version is a missing required field',
    files: { 'models.yaml': edit(modelsYaml, 'version: 1\n', '') },
    expected: [
      {
        file: 'models.yaml',
        line: 1,
        column: 1,
        path: 'version',
        message: "missing required field 'version'",
        suggestion: "add 'version: 1'",
      },
    ],
  },
  {
    name: 'an unknown top-level key lists the allowed ones',
    files: { 'agents.yaml': `${agentsYaml}agent_defaults: {}\n` },
    expected: [
      {
        file: 'agents.yaml',
        line: 12,
        column: 1,
        path: 'agent_defaults',
        message: "unknown field 'agent_defaults'",
        suggestion: 'allowed fields: version, agents',
      },
    ],
  },
  {
    name: 'a misspelt agent field is one problem with a did-you-mean',
    files: { 'agents.yaml': edit(agentsYaml, '    preferred_tool: claude', '    prefered_tool: claude') },
    expected: [
      {
        file: 'agents.yaml',
        line: 4,
        column: 5,
        path: 'agents.architect.prefered_tool',
        message: "unknown field 'prefered_tool'",
        suggestion:
          /^did you mean 'preferred_tool'\? Allowed: description, preferred_tool, preferred_model, fallback_chain/,
      },
    ],
  },
  {
    name: 'an unknown tool named by an agent gets a did-you-mean and the known tools',
    files: { 'agents.yaml': edit(agentsYaml, 'preferred_tool: claude', 'preferred_tool: cluade') },
    expected: [
      {
        file: 'agents.yaml',
        line: 4,
        column: 21,
        path: 'agents.architect.preferred_tool',
        message: "unknown tool 'cluade'",
        suggestion: "did you mean 'claude'? Known tools: claude, codex",
      },
    ],
  },
  {
    name: "a preferred model the tool does not list names the tool's models",
    files: { 'agents.yaml': edit(agentsYaml, 'preferred_model: claude-opus-4-5', 'preferred_model: gpt-5') },
    expected: [
      {
        file: 'agents.yaml',
        line: 5,
        column: 22,
        path: 'agents.architect.preferred_model',
        message: "model 'gpt-5' is not one tool 'claude' runs",
        suggestion:
          'Known models of claude: claude-opus-4-5, claude-sonnet-4-5; or add it to tools.claude.models in tools.yaml',
      },
    ],
  },
  {
    name: 'a fallback entry without a colon',
    files: {
      'agents.yaml': edit(agentsYaml, '"claude:claude-sonnet-4-5", "codex', '"claude-sonnet-4-5", "codex'),
    },
    expected: [
      {
        file: 'agents.yaml',
        line: 6,
        column: 22,
        path: 'agents.architect.fallback_chain.0',
        message: "fallback entry 'claude-sonnet-4-5' is not tool:model",
        suggestion: 'write it as "tool:model"',
      },
    ],
  },
  {
    name: 'a fallback entry with an unknown tool',
    files: { 'agents.yaml': edit(agentsYaml, '"codex:gpt-5"', '"codx:gpt-5"') },
    expected: [
      {
        file: 'agents.yaml',
        line: 6,
        column: 50,
        path: 'agents.architect.fallback_chain.1',
        message: "unknown tool 'codx'",
        suggestion: "did you mean 'codex'? Known tools: claude, codex",
      },
    ],
  },
  {
    name: 'a fallback entry splits at the first colon, so the whole `qwen2.5:7b` must be listed',
    files: {
      'agents.yaml': edit(agentsYaml, '"codex:gpt-5"]', '"codex:gpt-5", "ollama:qwen2.5:7b"]'),
      'tools.yaml': `${toolsYaml}  ollama:\n    binary: ollama\n    models: [qwen2.5]\n`,
      'models.yaml': `${modelsYaml}  qwen2.5: { input_per_mtok: 0, output_per_mtok: 0 }\n`,
    },
    expected: [
      {
        file: 'agents.yaml',
        line: 6,
        column: 65,
        path: 'agents.architect.fallback_chain.2',
        message: "model 'qwen2.5:7b' is not one tool 'ollama' runs",
        suggestion: "did you mean 'qwen2.5'? Known models of ollama: qwen2.5",
      },
    ],
  },
  {
    name: 'a task type naming an unknown tool',
    files: {
      'agents.yaml': edit(
        agentsYaml,
        '{ tool: codex, model: gpt-5-mini }',
        '{ tool: codx, model: gpt-5-mini }',
      ),
    },
    expected: [
      {
        file: 'agents.yaml',
        line: 9,
        column: 21,
        path: 'agents.architect.task_types.docs.tool',
        message: "unknown tool 'codx'",
        suggestion: "did you mean 'codex'? Known tools: claude, codex",
      },
    ],
  },
  {
    name: "a task type model that the agent's preferred tool does not run",
    files: {
      'agents.yaml': edit(agentsYaml, 'review: { model: claude-sonnet-4-5 }', 'review: { model: gpt-5 }'),
    },
    expected: [
      {
        file: 'agents.yaml',
        line: 8,
        column: 24,
        path: 'agents.architect.task_types.review.model',
        message: "model 'gpt-5' is not one tool 'claude' runs",
      },
    ],
  },
  {
    name: 'a tool with an unknown adapter, and no follow-on "unknown tool" for the agents using it',
    files: { 'tools.yaml': edit(toolsYaml, 'adapter: claude', 'adapter: claud') },
    expected: [
      {
        file: 'tools.yaml',
        line: 4,
        column: 14,
        path: 'tools.claude.adapter',
        message: "unknown adapter 'claud'",
        suggestion:
          "did you mean 'claude'? Known adapters: generic-yaml, claude; a third-party adapter's package goes in the plugins: list",
      },
    ],
  },
  {
    name: 'a tool without `binary`, and no follow-on problem for the agents using it',
    files: { 'tools.yaml': edit(toolsYaml, '    binary: codex\n', '') },
    expected: [
      {
        file: 'tools.yaml',
        line: 9,
        column: 5,
        path: 'tools.codex.binary',
        message: "missing required field 'binary'",
        suggestion: "add 'binary:' (a string)",
      },
    ],
  },
  {
    name: 'a tool with an empty model list',
    files: { 'tools.yaml': edit(toolsYaml, 'models: [gpt-5, gpt-5-mini]', 'models: []') },
    expected: [
      {
        file: 'tools.yaml',
        line: 11,
        column: 13,
        path: 'tools.codex.models',
        message: 'expected at least one model the tool can run',
      },
    ],
  },
  {
    name: 'a value of the wrong type (timeout_s as a string)',
    files: { 'tools.yaml': edit(toolsYaml, 'timeout_s: 600', 'timeout_s: "600"') },
    expected: [
      {
        file: 'tools.yaml',
        line: 7,
        column: 16,
        path: 'tools.claude.timeout_s',
        message: 'expected a number, got string "600"',
      },
    ],
  },
  {
    name: 'a timeout longer than Node can wait is refused, not turned into an instant timeout',
    files: { 'tools.yaml': edit(toolsYaml, 'timeout_s: 600', 'timeout_s: 1e12') },
    expected: [
      {
        file: 'tools.yaml',
        line: 7,
        column: 16,
        path: 'tools.claude.timeout_s',
        message: 'expected a number <= 2147483, got number 1000000000000',
      },
    ],
  },
  ...(
    [
      ['.inf', '.inf (infinity, or a number too large to represent)'],
      ['1e400', '.inf (infinity, or a number too large to represent)'],
      ['-.inf', '-.inf (infinity, or a number too large to represent)'],
      ['.nan', '.nan (not a number)'],
    ] as const
  ).map(([written, shown]) => ({
    name: `timeout_s: ${written} is reported as what it is`,
    files: { 'tools.yaml': edit(toolsYaml, 'timeout_s: 600', `timeout_s: ${written}`) },
    expected: [
      {
        file: 'tools.yaml',
        line: 7,
        column: 16,
        path: 'tools.claude.timeout_s',
        message: `expected a number, got ${shown}`,
      },
    ],
  })),
  {
    name: 'an agent named __proto__ is refused at its key, not dropped silently',
    files: { 'agents.yaml': `${agentsYaml}  __proto__:\n    preferred_tool: claude\n` },
    expected: [
      {
        file: 'agents.yaml',
        line: 12,
        column: 3,
        path: '',
        message: "YAML error: '__proto__' cannot be used as a name or key; rename it",
      },
    ],
  },
  {
    name: "an unknown key of an adapter's own schema gets a did-you-mean from the merged schema",
    files: { 'tools.yaml': edit(toolsYaml, '    args: [', '    arg: [') },
    expected: [
      {
        file: 'tools.yaml',
        line: 10,
        column: 5,
        path: 'tools.codex.arg',
        message: "unknown field 'arg'",
        suggestion: /^did you mean 'args'\? Allowed: adapter, binary, models, .*args, prompt_via$/,
      },
    ],
  },
  {
    name: "a value outside an adapter's enum",
    files: { 'tools.yaml': edit(toolsYaml, '    args: [', '    prompt_via: stdn\n    args: [') },
    expected: [
      {
        file: 'tools.yaml',
        line: 10,
        column: 17,
        path: 'tools.codex.prompt_via',
        message: 'expected one of stdin, arg, file, got string "stdn"',
        suggestion: "did you mean 'stdin'?",
      },
    ],
  },
  {
    name: 'a negative price',
    files: {
      'models.yaml': edit(modelsYaml, 'gpt-5: { input_per_mtok: 1.25', 'gpt-5: { input_per_mtok: -1.25'),
    },
    expected: [
      {
        file: 'models.yaml',
        line: 6,
        column: 28,
        path: 'models.gpt-5.input_per_mtok',
        message: 'expected a number >= 0, got number -1.25',
      },
    ],
  },
  {
    name: 'a model a tool runs without a price in models.yaml',
    files: {
      'models.yaml': edit(modelsYaml, '  gpt-5-mini: { input_per_mtok: 0.25, output_per_mtok: 2 }\n', ''),
    },
    expected: [
      {
        file: 'tools.yaml',
        line: 11,
        column: 21,
        path: 'tools.codex.models.1',
        message: "model 'gpt-5-mini' has no price in models.yaml",
        suggestion:
          "Known models: claude-opus-4-5, claude-sonnet-4-5, gpt-5; or add 'gpt-5-mini:' with input_per_mtok and output_per_mtok",
      },
    ],
  },
  {
    name: 'a price entry missing output_per_mtok',
    files: {
      'models.yaml': edit(
        modelsYaml,
        'gpt-5: { input_per_mtok: 1.25, output_per_mtok: 10 }',
        'gpt-5: { input_per_mtok: 1.25 }',
      ),
    },
    expected: [
      {
        file: 'models.yaml',
        line: 6,
        column: 10,
        path: 'models.gpt-5.output_per_mtok',
        message: "missing required field 'output_per_mtok'",
        suggestion: "add 'output_per_mtok:' (a number)",
      },
    ],
  },
  {
    name: 'an unset ${VAR} without a default is reported at the line of its value',
    files: { 'tools.yaml': edit(toolsYaml, 'binary: codex', 'binary: ${CODEX_BIN}') },
    env: { HOME: '/home/someone' },
    expected: [
      {
        file: 'tools.yaml',
        line: 9,
        column: 13,
        path: 'tools.codex.binary',
        message: 'environment variable CODEX_BIN is not set',
        suggestion: 'set CODEX_BIN, or give a default: ${CODEX_BIN:-value}',
      },
    ],
  },
  {
    name: 'an unknown key inside a plugin-owned section of llm-service.yaml',
    files: { 'llm-service.yaml': edit(settingsYaml, 'capture_content: false', 'capture_contents: false') },
    expected: [
      {
        file: 'llm-service.yaml',
        line: 3,
        column: 3,
        path: 'telemetry.capture_contents',
        message: "unknown field 'capture_contents'",
        suggestion: "did you mean 'capture_content'? Allowed: db_path, capture_content",
      },
    ],
  },
  {
    name: 'an unknown top-level section of llm-service.yaml',
    files: { 'llm-service.yaml': `${settingsYaml}telemetri: {}\n` },
    expected: [
      {
        file: 'llm-service.yaml',
        line: 4,
        column: 1,
        path: 'telemetri',
        message: "unknown field 'telemetri'",
        suggestion: "did you mean 'telemetry'? Allowed: version, plugins, project, telemetry",
      },
    ],
  },
  {
    name: 'a plugin-owned file (policies.yaml) is checked against its plugin schema',
    files: {
      'policies.yaml': 'version: 1\nbudgets:\n  - { scope: global, period: weekly, limit_usd: 10 }\n',
    },
    expected: [
      {
        file: 'policies.yaml',
        line: 3,
        column: 30,
        path: 'budgets.0.period',
        message: 'expected one of daily, monthly, got string "weekly"',
      },
    ],
  },
  {
    name: 'adapter_options for an adapter that takes none',
    files: {
      'agents.yaml': edit(agentsYaml, '      claude: { allowed_tools', '      claud: { allowed_tools'),
    },
    expected: [
      {
        file: 'agents.yaml',
        line: 11,
        column: 7,
        path: 'agents.architect.adapter_options.claud',
        message: "no adapter 'claud' takes agent options",
        suggestion: "did you mean 'claude'? Known adapters with options: claude",
      },
    ],
  },
  {
    name: "an unknown key inside an adapter's agent options",
    files: { 'agents.yaml': edit(agentsYaml, '{ allowed_tools:', '{ allowed_tool:') },
    expected: [
      {
        file: 'agents.yaml',
        line: 11,
        column: 17,
        path: 'agents.architect.adapter_options.claude.allowed_tool',
        message: "unknown field 'allowed_tool'",
        suggestion: "did you mean 'allowed_tools'?",
      },
    ],
  },
  {
    name: 'an agent name that is not an identifier is shown at the key',
    files: { 'agents.yaml': edit(agentsYaml, '  architect:', '  the architect:') },
    expected: [
      {
        file: 'agents.yaml',
        line: 3,
        column: 3,
        path: 'agents.the architect',
        message: `invalid name 'the architect': expected a name of letters, digits, ".", "_" or "-"`,
      },
    ],
  },
  {
    name: 'fallback_chain given as a string rather than a list',
    files: {
      'agents.yaml': edit(
        agentsYaml,
        '["claude:claude-sonnet-4-5", "codex:gpt-5"]',
        'claude:claude-sonnet-4-5',
      ),
    },
    expected: [
      {
        file: 'agents.yaml',
        line: 6,
        column: 21,
        path: 'agents.architect.fallback_chain',
        message: 'expected a list, got string "claude:claude-sonnet-4-5"',
      },
    ],
  },
  {
    name: 'a broken agent does not hide the cross-reference problems of its valid fields',
    files: {
      'agents.yaml': edit(
        edit(agentsYaml, 'preferred_tool: claude', 'preferred_tool: cluade'),
        '    task_types:',
        '    colour: blue\n    task_types:',
      ),
    },
    expected: [
      {
        file: 'agents.yaml',
        line: 4,
        column: 21,
        path: 'agents.architect.preferred_tool',
        message: "unknown tool 'cluade'",
      },
      {
        file: 'agents.yaml',
        line: 7,
        column: 5,
        path: 'agents.architect.colour',
        message: "unknown field 'colour'",
      },
    ],
  },
];

describe('broken configs', () => {
  it('has a corpus of at least 24 distinct cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(24);
    expect(new Set(cases.map((testCase) => testCase.name)).size).toBe(cases.length);
  });

  it('the unbroken fixture loads', () => {
    const config = load();
    expect(Object.keys(config.agents)).toEqual(['architect']);
    expect(config.tools.codex?.adapter).toBe('generic-yaml');
    expect(config.tools.codex?.args).toEqual(['exec', '--model', '{{model}}', '-']);
    expect(config.agents.architect?.adapter_options).toEqual({ claude: { allowed_tools: ['Read', 'Grep'] } });
    expect(config.settings.telemetry).toEqual({ capture_content: false });
    expect(config.files['policies.yaml']).toEqual({ version: 1, budgets: [] });
    expect(Object.isFrozen(config.agents.architect)).toBe(true);
  });

  for (const testCase of cases) {
    it(testCase.name, () => {
      expectIssues(loadError(testCase.files, testCase.env), testCase.expected);
    });
  }

  it('reports the errors of several files together, sorted by file and line', () => {
    const error = loadError({
      'agents.yaml': edit(
        edit(agentsYaml, 'preferred_tool: claude', 'preferred_tool: cluade'),
        '{ tool: codex, model: gpt-5-mini }',
        '{ tool: codex, model: gpt-6 }',
      ),
      'tools.yaml': edit(toolsYaml, 'timeout_s: 600', 'timeout_s: "600"'),
      'models.yaml': edit(modelsYaml, 'gpt-5: { input_per_mtok: 1.25', 'gpt-5: { input_per_mtok: -1.25'),
      'llm-service.yaml': `${settingsYaml}plugin: []\n`,
    });
    expectIssues(error, [
      {
        file: 'agents.yaml',
        line: 4,
        column: 21,
        path: 'agents.architect.preferred_tool',
        message: "unknown tool 'cluade'",
      },
      {
        file: 'agents.yaml',
        line: 9,
        column: 35,
        path: 'agents.architect.task_types.docs.model',
        message: "model 'gpt-6' is not one tool 'codex' runs",
        suggestion: "did you mean 'gpt-5'?",
      },
      {
        file: 'llm-service.yaml',
        line: 4,
        column: 1,
        path: 'plugin',
        message: "unknown field 'plugin'",
        suggestion: "did you mean 'plugins'?",
      },
      {
        file: 'models.yaml',
        line: 6,
        column: 28,
        path: 'models.gpt-5.input_per_mtok',
        message: 'expected a number >= 0',
      },
      {
        file: 'tools.yaml',
        line: 7,
        column: 16,
        path: 'tools.claude.timeout_s',
        message: 'expected a number',
      },
    ]);
    expect(error.message.split('\n')[0]).toBe('invalid configuration (5 problems):');
    expect(error.message).toContain(
      "\n  cfg/agents.yaml:4:21: agents.architect.preferred_tool: unknown tool 'cluade'; did you mean 'claude'? Known tools: claude, codex\n",
    );
  });

  it("runs plugins' cross-reference checks once the rest is valid, at the line of the field they name", () => {
    const checking = collectConfigSchemas([
      testPlugin,
      definePlugin({
        name: 'budget-checker',
        version: '1.0.0',
        apiVersion: '^1.0.0',
        register() {},
        configSchema: {
          check: (config) => {
            const budgets = (config.files['policies.yaml'] as { budgets: { scope: string }[] }).budgets;
            return budgets.flatMap((budget, index) =>
              budget.scope === 'global' || config.agents[budget.scope.replace(/^agent:/, '')]
                ? []
                : [
                    {
                      file: 'policies.yaml',
                      path: ['budgets', index, 'scope'],
                      message: `unknown scope '${budget.scope}'`,
                    },
                  ],
            );
          },
        },
      }),
    ]);
    const policies =
      'version: 1\nbudgets:\n  - { scope: global, period: daily, limit_usd: 10 }\n  - { scope: "agent:architec", period: daily, limit_usd: 1 }\n';
    expectIssues(loadError({ 'policies.yaml': policies }, {}, checking), [
      {
        file: 'policies.yaml',
        line: 4,
        column: 14,
        path: 'budgets.1.scope',
        message: "unknown scope 'agent:architec'",
      },
    ]);
  });
});

describe('reading the config directory', () => {
  it('reads and validates a plugin-owned file other than policies.yaml once its plugin is known', () => {
    const withAuditFile = collectConfigSchemas([
      testPlugin,
      definePlugin({
        name: 'audit',
        version: '1.0.0',
        apiVersion: '^1.0.0',
        register() {},
        configSchema: {
          files: { 'audit.yaml': z.strictObject({ version: z.literal(1), log_dir: z.string() }) },
        },
      }),
    ]);
    const root = mkdtempSync(join(tmpdir(), 'llm-service-config-'));
    roots.push(root);
    const dir = join(root, 'cfg');
    mkdirSync(dir);
    for (const [name, content] of Object.entries(baseFiles))
      if (content !== null) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, 'audit.yaml'), 'version: 1\nlog_dir: /var/log/llm\n');
    expect(
      resolveConfig(readConfigSources(dir, 'flag', root), withAuditFile, {}).files['audit.yaml'],
    ).toEqual({
      version: 1,
      log_dir: '/var/log/llm',
    });
    writeFileSync(join(dir, 'audit.yaml'), 'version: 1\nlog_dirs: /var/log/llm\n');
    let caught: unknown;
    try {
      resolveConfig(readConfigSources(dir, 'flag', root), withAuditFile, {});
    } catch (error) {
      caught = error;
    }
    expect((caught as ConfigError).issues.map(formatConfigIssue)).toEqual([
      "cfg/audit.yaml:2:1: log_dirs: unknown field 'log_dirs'; did you mean 'log_dir'? Allowed: version, log_dir",
    ]);
  });

  it('reports a config file that cannot be read instead of throwing', () => {
    const root = mkdtempSync(join(tmpdir(), 'llm-service-config-'));
    roots.push(root);
    const dir = join(root, 'cfg');
    mkdirSync(dir);
    writeFileSync(join(dir, 'agents.yaml'), agentsYaml);
    writeFileSync(join(dir, 'models.yaml'), modelsYaml);
    mkdirSync(join(dir, 'tools.yaml'));
    const sources = readConfigSources(dir, 'flag', root);
    expect(sources.issues).toEqual([
      {
        file: 'cfg/tools.yaml',
        line: 1,
        column: 1,
        path: '',
        message: 'cannot read tools.yaml: it is not a regular file (a device, FIFO, socket or directory)',
        suggestion: 'make tools.yaml a YAML file of at most 1 MiB',
      },
    ]);
  });

  /** The base config with `agents.yaml` replaced by what `make` puts at its path; the issues of reading it. */
  function readIssuesWith(make: (path: string) => void): string[] {
    const root = mkdtempSync(join(tmpdir(), 'llm-service-config-'));
    roots.push(root);
    const dir = join(root, 'cfg');
    mkdirSync(dir);
    for (const [name, content] of Object.entries(baseFiles))
      if (content !== null && name !== 'agents.yaml') writeFileSync(join(dir, name), content);
    make(join(dir, 'agents.yaml'));
    return readConfigSources(dir, 'flag', root).issues.map(formatConfigIssue);
  }

  it('never reads a config file from a device: a link to /dev/zero is refused at once', () => {
    expect(readIssuesWith((path) => symlinkSync('/dev/zero', path))).toEqual([
      'cfg/agents.yaml:1:1: cannot read agents.yaml: it is not a regular file (a device, FIFO, socket or directory); make agents.yaml a YAML file of at most 1 MiB',
    ]);
  });

  it('never waits on a FIFO in place of a config file', () => {
    expect(readIssuesWith((path) => execFileSync('mkfifo', [path]))).toEqual([
      'cfg/agents.yaml:1:1: cannot read agents.yaml: it is not a regular file (a device, FIFO, socket or directory); make agents.yaml a YAML file of at most 1 MiB',
    ]);
  });

  it('refuses a config file over 1 MiB, saying how large it is', () => {
    const issues = readIssuesWith((path) =>
      writeFileSync(path, `version: 1\nagents: {}\n# ${'x'.repeat(2 * 1024 * 1024)}\n`),
    );
    expect(issues).toEqual([
      'cfg/agents.yaml:1:1: cannot read agents.yaml: it is 2.0 MiB; the limit is 1.0 MiB; make agents.yaml a YAML file of at most 1 MiB',
    ]);
  });

  it('reports bytes that are not UTF-8 at their line instead of replacing them', () => {
    const issues = readIssuesWith((path) =>
      writeFileSync(
        path,
        Buffer.concat([
          Buffer.from('version: 1\nagents:\n  caf'),
          Buffer.from([0xe9]),
          Buffer.from(': {}\n'),
        ]),
      ),
    );
    expect(issues).toEqual(['cfg/agents.yaml:3:1: agents.yaml is not UTF-8 text (line 3); save it as UTF-8']);
  });

  it('names the directory `.` when it is the working directory', () => {
    const root = mkdtempSync(join(tmpdir(), 'llm-service-config-'));
    roots.push(root);
    writeFileSync(join(root, 'agents.yaml'), 'version: 1\nagents: {}\n');
    const sources = readConfigSources(root, 'flag', root);
    expect(
      sources.issues.map((issue) => `${issue.file}: ${issue.message}; ${issue.suggestion ?? ''}`),
    ).toEqual([
      'tools.yaml: missing required file tools.yaml in .; run `llm-service init --dir .` to create a config, or pass --config-dir',
      'models.yaml: missing required file models.yaml in .; run `llm-service init --dir .` to create a config, or pass --config-dir',
    ]);
  });

  it('shows files outside the working directory by their absolute path', () => {
    const root = mkdtempSync(join(tmpdir(), 'llm-service-config-'));
    roots.push(root);
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    mkdirSync(join(root, 'cfg'));
    writeFileSync(join(root, 'cfg', 'models.yaml'), 'version: 1\nmodels: {}\n');
    const sources = readConfigSources(join(root, 'cfg'), 'flag', elsewhere);
    expect(sources.issues[0]?.file).toBe(join(root, 'cfg', 'agents.yaml'));
  });

  it('says there is no config, once, for a directory that is missing or holds none of the config files', () => {
    const root = mkdtempSync(join(tmpdir(), 'llm-service-config-'));
    roots.push(root);
    const failure = (dir: string, source: 'flag' | 'env' | 'project' | 'user') => {
      try {
        readConfigSources(dir, source, root);
      } catch (error) {
        return error as { code: string; message: string; hint: string; exitCode: number };
      }
      throw new Error('no error');
    };
    expect(failure(join(root, 'absent'), 'flag')).toMatchObject({
      code: 'E_CONFIG',
      exitCode: 2,
      message: 'no config directory absent (given by --config-dir)',
      hint: 'run `llm-service init --dir absent` to create one there',
    });
    writeFileSync(join(root, 'notes.txt'), 'not a config file\n');
    expect(failure(root, 'env').message).toBe('no config in . (given by LLM_SERVICE_CONFIG_DIR)');
    expect(failure(join(root, 'home-config'), 'user')).toMatchObject({
      message:
        'no config found: no .llm-service/ directory here or in a parent directory, and none in home-config',
      hint: 'run `llm-service init` to create one in ./.llm-service (or pass --config-dir DIR)',
    });
  });

  it('reads plugin specifiers with ${VAR} resolved, leaving unset ones for resolveConfig to report', () => {
    const root = mkdtempSync(join(tmpdir(), 'llm-service-config-'));
    roots.push(root);
    writeFileSync(
      join(root, 'llm-service.yaml'),
      'version: 1\nplugins: ["@llm-service/adapter-claude", "${PLUGINS:-./plugins}/audit.js", "${UNSET}/x.js", 42]\n',
    );
    const sources = readConfigSources(root, 'flag', root);
    expect(readPluginSpecifiers(sources, {})).toEqual(['@llm-service/adapter-claude', './plugins/audit.js']);
    expect(readPluginSpecifiers(sources, { PLUGINS: '/opt/p' })).toEqual([
      '@llm-service/adapter-claude',
      '/opt/p/audit.js',
    ]);
  });
});

describe('parts of a config that a plugin not loaded reads', () => {
  it('names the plugin to load for a telemetry: section and a policies.yaml, instead of ignoring them', () => {
    // Only what core and the adapters need: as a library user's kernel made without the default plugins.
    const withoutOwners = collectConfigSchemas([
      definePlugin({
        name: '@llm-service/adapters-only',
        version: '1.0.0',
        apiVersion: '^1.0.0',
        register() {},
        configSchema: {
          tools: testPlugin.configSchema!.tools!,
          agentOptions: testPlugin.configSchema!.agentOptions!,
        },
      }),
    ]);
    const error = loadError({ 'policies.yaml': 'version: 1\nbudgets: []\n' }, {}, withoutOwners);
    expect(error.issues.map((issue) => [issue.file, issue.line, issue.path, issue.message])).toEqual([
      [
        'cfg/llm-service.yaml',
        2,
        'telemetry',
        'the telemetry: section is read by the plugin @llm-service/telemetry, which is not loaded',
      ],
      [
        'cfg/policies.yaml',
        1,
        '',
        'policies.yaml is read by the plugin @llm-service/policy, which is not loaded',
      ],
    ]);
    expect(error.issues[0]?.suggestion).toContain('load @llm-service/telemetry');
    // With the plugins loaded, the same files are valid.
    expect(() => load({ 'policies.yaml': 'version: 1\nbudgets: []\n' })).not.toThrow();
  });
});

describe('configs that are valid', () => {
  it('takes `constructor` and `toString` as ordinary agent and tool names', () => {
    const config = load({
      'agents.yaml': `${agentsYaml}  constructor:\n    preferred_tool: toString\n    preferred_model: gpt-5\n`,
      'tools.yaml': `${toolsYaml}  toString:\n    binary: codex\n    models: [gpt-5]\n`,
    });
    expect(Object.keys(config.agents)).toEqual(['architect', 'constructor']);
    expect(new Map(Object.entries(config.agents)).get('constructor')?.preferred_tool).toBe('toString');
    expect(Object.keys(config.tools)).toContain('toString');
  });

  it('splits `ollama:qwen2.5:7b` at the first colon', () => {
    const config = load({
      'agents.yaml': edit(agentsYaml, '"codex:gpt-5"]', '"codex:gpt-5", "ollama:qwen2.5:7b"]'),
      'tools.yaml': `${toolsYaml}  ollama:\n    binary: ollama\n    models: ["qwen2.5:7b"]\n`,
      'models.yaml': `${modelsYaml}  "qwen2.5:7b": { input_per_mtok: 0, output_per_mtok: 0 }\n`,
    });
    const last = config.agents.architect?.fallback_chain.at(-1) ?? '';
    expect(parseToolModel(last)).toEqual({ tool: 'ollama', model: 'qwen2.5:7b' });
  });

  it('resolves ${VAR:-default}, several variables in one value, and $$', () => {
    const config = load(
      {
        'tools.yaml': edit(
          edit(toolsYaml, 'binary: codex', 'binary: ${CODEX_HOME:-/opt/codex}/bin/${CODEX_NAME}'),
          '"{{model}}", "-"]',
          '"{{model}}", "${PREFIX}${SUFFIX}", "$$HOME", "${EMPTY:-fallback}", "-"]',
        ),
      },
      { CODEX_NAME: 'codex', PREFIX: 'a', SUFFIX: 'b', EMPTY: '' },
    );
    expect(config.tools.codex?.binary).toBe('/opt/codex/bin/codex');
    expect(config.tools.codex?.args).toEqual([
      'exec',
      '--model',
      '{{model}}',
      'ab',
      '$HOME',
      'fallback',
      '-',
    ]);
  });

  it('formats an issue as file:line:col: path: message; suggestion', () => {
    expect(
      formatConfigIssue({
        file: 'cfg/agents.yaml',
        line: 4,
        column: 21,
        path: 'agents.a.preferred_tool',
        message: "unknown tool 'x'",
        suggestion: 'Known tools: claude',
      }),
    ).toBe("cfg/agents.yaml:4:21: agents.a.preferred_tool: unknown tool 'x'; Known tools: claude");
    expect(
      formatConfigIssue({
        file: 'cfg/agents.yaml',
        line: 1,
        column: 1,
        path: '',
        message: 'YAML syntax error: x',
      }),
    ).toBe('cfg/agents.yaml:1:1: YAML syntax error: x');
  });
});
