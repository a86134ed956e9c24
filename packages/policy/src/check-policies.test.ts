import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConfigIssue, type ResolvedConfig, z } from '@llm-service/spec';
import { collectConfigSchemas, readConfigSources, resolveConfig } from '@llm-service/config';
import policyPlugin from './index.js';
import { checkPolicies } from './check-policies.js';
import { policiesFileSchema } from './policies-schema.js';

function configWith(policies: unknown): ResolvedConfig {
  const tool = {
    adapter: 'generic-yaml',
    binary: 'x',
    timeout_s: 600,
    env: {},
    env_required: [],
    retry: { max: 0, base_ms: 500 },
    billing: 'api' as const,
  };
  return {
    dir: '/config',
    source: 'flag',
    project: 'default',
    agents: {
      'backend-dev': { preferred_tool: 'claude', fallback_chain: [], task_types: {}, adapter_options: {} },
      architect: { preferred_tool: 'claude', fallback_chain: [], task_types: {}, adapter_options: {} },
    },
    tools: {
      claude: { ...tool, models: ['claude-sonnet-4-5'] },
      codex: { ...tool, models: ['gpt-5'] },
    },
    models: {
      'claude-sonnet-4-5': { input_per_mtok: 3, output_per_mtok: 15 },
      'claude-haiku-4-5': { input_per_mtok: 1, output_per_mtok: 5 },
      'gpt-5': { input_per_mtok: 1.25, output_per_mtok: 10 },
    },
    settings: { version: 1, plugins: [] },
    files: { 'policies.yaml': policiesFileSchema.parse(policies) },
  };
}

const budget = (scope: string) => ({ scope, period: 'daily', limit_usd: 1 });

describe('checkPolicies', () => {
  it('accepts scopes naming known agents, tools and models', () => {
    const config = configWith({
      version: 1,
      budgets: ['global', 'chain', 'agent:backend-dev', 'tool:codex', 'model:claude-haiku-4-5'].map(budget),
      cost_optimization: {
        enabled: true,
        simple_task_models: ['claude-haiku-4-5'],
        task_type_models: { docs: 'gpt-5' },
      },
    });
    expect(checkPolicies(config)).toEqual([]);
  });

  it('reports unknown names in scopes with a did-you-mean', () => {
    const config = configWith({
      version: 1,
      budgets: ['global', 'agent:backend-dve', 'tool:cluade', 'model:gpt-6', 'agent:zzzzzzzz'].map(budget),
    });
    expect(checkPolicies(config)).toEqual([
      {
        file: 'policies.yaml',
        path: ['budgets', 1, 'scope'],
        message: "budget scope 'agent:backend-dve' names an unknown agent 'backend-dve'",
        suggestion:
          "did you mean 'backend-dev'? Known agents: backend-dev, architect; agents are defined in agents.yaml",
      },
      {
        file: 'policies.yaml',
        path: ['budgets', 2, 'scope'],
        message: "budget scope 'tool:cluade' names an unknown tool 'cluade'",
        suggestion: "did you mean 'claude'? Known tools: claude, codex; tools are defined in tools.yaml",
      },
      {
        file: 'policies.yaml',
        path: ['budgets', 3, 'scope'],
        message: "budget scope 'model:gpt-6' names an unknown model 'gpt-6'",
        suggestion:
          "did you mean 'gpt-5'? Known models: claude-sonnet-4-5, claude-haiku-4-5, gpt-5; models are defined in models.yaml",
      },
      {
        file: 'policies.yaml',
        path: ['budgets', 4, 'scope'],
        message: "budget scope 'agent:zzzzzzzz' names an unknown agent 'zzzzzzzz'",
        suggestion: 'Known agents: backend-dev, architect; agents are defined in agents.yaml',
      },
    ]);
  });

  it('does not take an agent name for a tool', () => {
    const problems = checkPolicies(configWith({ version: 1, budgets: [budget('tool:architect')] }));
    expect(problems.map((problem) => problem.path)).toEqual([['budgets', 0, 'scope']]);
  });

  it('reports cost optimisation models without a price', () => {
    const config = configWith({
      version: 1,
      cost_optimization: {
        enabled: true,
        simple_task_models: ['claude-haiku-4-5', 'claude-haiku-5'],
        task_type_models: { docs: 'gtp-5' },
      },
    });
    expect(checkPolicies(config).map(({ path, message }) => ({ path, message }))).toEqual([
      {
        path: ['cost_optimization', 'simple_task_models', 1],
        message: "model 'claude-haiku-5' has no price in models.yaml",
      },
      {
        path: ['cost_optimization', 'task_type_models', 'docs'],
        message: "model 'gtp-5' has no price in models.yaml",
      },
    ]);
  });

  it('reports plan-limit rules naming an unknown tool with a did-you-mean', () => {
    const rule = (tool: string) => ({ tool, window: 'five_hour', above: 0.9, action: 'reroute' });
    const config = configWith({
      version: 1,
      plan_limits: [rule('claude'), rule('cluade'), rule('architect')],
    });
    expect(checkPolicies(config)).toEqual([
      {
        file: 'policies.yaml',
        path: ['plan_limits', 1, 'tool'],
        message: "plan-limit rule names an unknown tool 'cluade'",
        suggestion: "did you mean 'claude'? Known tools: claude, codex; tools are defined in tools.yaml",
      },
      {
        file: 'policies.yaml',
        path: ['plan_limits', 2, 'tool'],
        message: "plan-limit rule names an unknown tool 'architect'",
        suggestion: 'Known tools: claude, codex; tools are defined in tools.yaml',
      },
    ]);
  });

  it('has nothing to check without the file', () => {
    expect(checkPolicies({ ...configWith({ version: 1 }), files: {} })).toEqual([]);
  });
});

describe('the policy plugin in the config loader', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function load(policiesYaml: string | undefined): ResolvedConfig {
    dir = mkdtempSync(join(tmpdir(), 'llm-service-policy-'));
    writeFileSync(
      join(dir, 'agents.yaml'),
      'version: 1\nagents:\n  architect:\n    preferred_tool: codex\n    preferred_model: gpt-5\n',
    );
    writeFileSync(
      join(dir, 'tools.yaml'),
      'version: 1\ntools:\n  codex:\n    binary: codex\n    models: [gpt-5]\n',
    );
    writeFileSync(
      join(dir, 'models.yaml'),
      'version: 1\nmodels:\n  gpt-5: { input_per_mtok: 1.25, output_per_mtok: 10 }\n',
    );
    if (policiesYaml !== undefined) writeFileSync(join(dir, 'policies.yaml'), policiesYaml);
    const generic = {
      name: 'generic',
      version: '0',
      apiVersion: '^1.0.0',
      configSchema: { tools: { 'generic-yaml': z.object({}) } },
      register() {},
    };
    const schemas = collectConfigSchemas([policyPlugin, generic]);
    return resolveConfig(readConfigSources(dir, 'flag', dir), schemas, {});
  }

  function issuesOf(policiesYaml: string): ConfigIssue[] {
    try {
      load(policiesYaml);
    } catch (error) {
      return (error as { issues: ConfigIssue[] }).issues;
    }
    throw new Error('expected the config to be refused');
  }

  it('parses an absent policies.yaml as version 1', () => {
    expect(load(undefined).files['policies.yaml']).toEqual({ version: 1 });
  });

  it('validates policies.yaml with line numbers', () => {
    const issues = issuesOf('version: 1\nbudgets:\n  - { scope: global, period: dayly, limit_usd: 5 }\n');
    expect(issues).toMatchObject([
      { file: 'policies.yaml', line: 3, path: 'budgets.0.period', suggestion: "did you mean 'daily'?" },
    ]);
  });

  it('runs the scope check after the schemas', () => {
    const issues = issuesOf(
      'version: 1\nbudgets:\n  - scope: agent:architekt\n    period: daily\n    limit_usd: 5\n',
    );
    expect(issues).toMatchObject([
      {
        file: 'policies.yaml',
        line: 3,
        path: 'budgets.0.scope',
        message: "budget scope 'agent:architekt' names an unknown agent 'architekt'",
      },
    ]);
    expect(issues[0]?.suggestion).toContain("did you mean 'architect'?");
  });
});

describe('the policy plugin when registered', () => {
  function register(policies: unknown): { warnings: string[]; ids: string[] } {
    const warnings: string[] = [];
    const ids: string[] = [];
    const logger = { debug() {}, info() {}, warn: (message: string) => warnings.push(message), error() {} };
    const config = configWith(policies);
    const context = {
      config,
      settings: { files: config.files },
      logger,
      policies: { add: (policy: { id: string }) => ids.push(policy.id) },
      events: { on() {} },
      services: { provide() {}, has: () => false },
      env: {},
    } as unknown as Parameters<typeof policyPlugin.register>[0];
    void policyPlugin.register(context);
    return { warnings, ids };
  }

  it('adds plan limits first (holds apply with no rules), cost optimisation when enabled, then budgets, without warnings', () => {
    expect(register({ version: 1 })).toEqual({ warnings: [], ids: ['plan-limits', 'budget'] });
    expect(register({ version: 1, cost_optimization: { enabled: false } }).ids).toEqual([
      'plan-limits',
      'budget',
    ]);
    expect(
      register({
        version: 1,
        budgets: [budget('global'), budget('chain')],
        cost_optimization: { enabled: true },
      }),
    ).toEqual({ warnings: [], ids: ['plan-limits', 'cost-optimization', 'budget'] });
  });
});
