import { describe, expect, it } from 'vitest';
import {
  isLlmServiceError,
  type AgentConfig,
  type ResolvedConfig,
  type RouteRequest,
  type ToolConfig,
  type UsageError,
} from '@llm-service/spec';
import { planRoute } from './plan-route.js';

function tool(models: string[]): ToolConfig {
  return {
    adapter: 'generic-yaml',
    binary: 'x',
    models,
    timeout_s: 600,
    env: {},
    env_required: [],
    retry: { max: 0, base_ms: 500 },
    billing: 'api',
  };
}

function agent(fields: Partial<AgentConfig> & Pick<AgentConfig, 'preferred_tool'>): AgentConfig {
  return { fallback_chain: [], task_types: {}, adapter_options: {}, ...fields };
}

const price = { input_per_mtok: 1, output_per_mtok: 1 };

const config: ResolvedConfig = Object.freeze<ResolvedConfig>({
  dir: '/config',
  source: 'flag',
  project: 'default',
  agents: {
    architect: agent({
      preferred_tool: 'claude',
      preferred_model: 'claude-opus-4-5',
      fallback_chain: [
        'claude:claude-sonnet-4-5',
        'codex:gpt-5',
        'claude:claude-opus-4-5',
        'ollama:qwen2.5:7b',
        'codex:gpt-5',
      ],
      task_types: {
        review: { model: 'claude-sonnet-4-5' },
        docs: { tool: 'codex', model: 'gpt-5-mini' },
        quick: { tool: 'codex' },
        plain: {},
      },
    }),
    backend: agent({ preferred_tool: 'codex' }),
  },
  tools: {
    claude: tool(['claude-opus-4-5', 'claude-sonnet-4-5', 'claude-haiku-4-5']),
    codex: tool(['gpt-5', 'gpt-5-mini']),
    ollama: tool(['qwen2.5:7b']),
    gemini: tool(['gemini-2.5-pro', 'gemini-2.5-flash']),
  },
  models: Object.fromEntries(
    [
      'claude-opus-4-5',
      'claude-sonnet-4-5',
      'claude-haiku-4-5',
      'gpt-5',
      'gpt-5-mini',
      'qwen2.5:7b',
      'gemini-2.5-pro',
      'gemini-2.5-flash',
    ].map((model) => [model, price]),
  ),
  settings: { version: 1, plugins: [] },
  files: {},
});

const route = (request: RouteRequest) => planRoute(config, request);
const pairs = (request: RouteRequest) =>
  route(request).candidates.map((candidate) => `${candidate.tool}:${candidate.model}:${candidate.reason}`);

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(isLlmServiceError(error)).toBe(true);
    const usage = error as UsageError;
    expect(usage.code).toBe('E_USAGE');
    expect(usage.exitCode).toBe(2);
    return usage;
  }
  throw new Error('expected a UsageError');
}

describe('planRoute', () => {
  it('starts with the preferred tool and model, then the fallback chain without duplicates', () => {
    const plan = route({ agent: 'architect' });
    expect(plan.agent).toBe('architect');
    expect(plan.explicit).toBe(false);
    expect(plan.candidates).toEqual([
      { tool: 'claude', model: 'claude-opus-4-5', reason: 'preferred' },
      { tool: 'claude', model: 'claude-sonnet-4-5', reason: 'fallback' },
      { tool: 'codex', model: 'gpt-5', reason: 'fallback' },
      { tool: 'ollama', model: 'qwen2.5:7b', reason: 'fallback' },
    ]);
  });

  it("uses the tool's first model when the agent names no preferred model", () => {
    expect(pairs({ agent: 'backend' })).toEqual(['codex:gpt-5:preferred']);
  });

  it('a task type replaces the preferred candidate and is explicit', () => {
    const plan = route({ agent: 'architect', taskType: 'docs' });
    expect(plan.explicit).toBe(true);
    expect(pairs({ agent: 'architect', taskType: 'docs' })).toEqual([
      'codex:gpt-5-mini:task_type',
      'claude:claude-sonnet-4-5:fallback',
      'codex:gpt-5:fallback',
      'claude:claude-opus-4-5:fallback',
      'ollama:qwen2.5:7b:fallback',
    ]);
  });

  it("a task type with only a model keeps the preferred tool; with only a tool takes that tool's first model", () => {
    expect(pairs({ agent: 'architect', taskType: 'review' })[0]).toBe('claude:claude-sonnet-4-5:task_type');
    // The fallback entry equal to the task type's candidate is dropped.
    expect(pairs({ agent: 'architect', taskType: 'review' })).not.toContain(
      'claude:claude-sonnet-4-5:fallback',
    );
    expect(pairs({ agent: 'architect', taskType: 'quick' })[0]).toBe('codex:gpt-5:task_type');
    expect(pairs({ agent: 'architect', taskType: 'plain' })[0]).toBe('claude:claude-opus-4-5:task_type');
  });

  it("--tool alone picks the agent's first candidate on that tool", () => {
    const plan = route({ agent: 'architect', tool: 'codex' });
    expect(plan.explicit).toBe(true);
    expect(pairs({ agent: 'architect', tool: 'codex' })).toEqual([
      'codex:gpt-5:override',
      'claude:claude-sonnet-4-5:fallback',
      'claude:claude-opus-4-5:fallback',
      'ollama:qwen2.5:7b:fallback',
    ]);
    expect(pairs({ agent: 'architect', tool: 'ollama' })[0]).toBe('ollama:qwen2.5:7b:override');
  });

  it("--tool alone on a tool the agent never uses takes that tool's first model", () => {
    expect(pairs({ agent: 'architect', tool: 'gemini' })[0]).toBe('gemini:gemini-2.5-pro:override');
  });

  it('--tool alone prefers the task type candidate when it is on that tool', () => {
    expect(pairs({ agent: 'architect', taskType: 'docs', tool: 'codex' })[0]).toBe(
      'codex:gpt-5-mini:override',
    );
  });

  it('--model alone keeps the first candidate’s tool', () => {
    const plan = route({ agent: 'architect', model: 'claude-haiku-4-5' });
    expect(plan.explicit).toBe(true);
    expect(pairs({ agent: 'architect', model: 'claude-haiku-4-5' })[0]).toBe(
      'claude:claude-haiku-4-5:override',
    );
    expect(pairs({ agent: 'architect', taskType: 'docs', model: 'gpt-5' })).toEqual([
      'codex:gpt-5:override',
      'claude:claude-sonnet-4-5:fallback',
      'claude:claude-opus-4-5:fallback',
      'ollama:qwen2.5:7b:fallback',
    ]);
  });

  it('--model that the kept tool does not run is a usage error with the tool’s models', () => {
    const error = usageError(() => route({ agent: 'architect', model: 'gpt-5' }));
    expect(error.message).toBe("--model: model 'gpt-5' is not one tool 'claude' runs");
    expect(error.hint).toContain(
      'Known models of claude: claude-opus-4-5, claude-sonnet-4-5, claude-haiku-4-5',
    );
  });

  it('--tool and --model together replace the first candidate', () => {
    expect(pairs({ agent: 'architect', tool: 'gemini', model: 'gemini-2.5-flash' })[0]).toBe(
      'gemini:gemini-2.5-flash:override',
    );
    const error = usageError(() => route({ agent: 'architect', tool: 'gemini', model: 'gpt-5' }));
    expect(error.message).toContain("model 'gpt-5' is not one tool 'gemini' runs");
  });

  it('--tool naming an unknown tool is a usage error with did-you-mean', () => {
    const error = usageError(() => route({ agent: 'architect', tool: 'cluade' }));
    expect(error.message).toBe("--tool: unknown tool 'cluade'");
    expect(error.hint).toBe("did you mean 'claude'? Known tools: claude, codex, ollama, gemini");
  });

  it('--no-fallback keeps only the first candidate', () => {
    expect(pairs({ agent: 'architect', noFallback: true })).toEqual(['claude:claude-opus-4-5:preferred']);
    expect(pairs({ agent: 'architect', tool: 'codex', noFallback: true })).toEqual(['codex:gpt-5:override']);
    expect(pairs({ agent: 'architect', taskType: 'docs', noFallback: true })).toEqual([
      'codex:gpt-5-mini:task_type',
    ]);
  });

  it('an unknown agent is a usage error with did-you-mean', () => {
    const error = usageError(() => route({ agent: 'architekt' }));
    expect(error.message).toBe("unknown agent 'architekt'");
    expect(error.hint).toBe("did you mean 'architect'? Known agents: architect, backend");
  });

  it('a task type an agent does not define routes by its preferred candidate for every agent, with a notice', () => {
    const nearMiss = route({ agent: 'architect', taskType: 'reveiw' });
    expect(nearMiss.candidates[0]).toEqual(route({ agent: 'architect' }).candidates[0]);
    expect(nearMiss.notice).toBe(
      "agent 'architect' has no task type 'reveiw' (did you mean 'review'?); using its preferred tool and model",
    );
    // An agent without task types behaves the same, rather than accepting any task type silently.
    expect(route({ agent: 'backend', taskType: 'review' }).notice).toBe(
      "agent 'backend' has no task type 'review'; using its preferred tool and model",
    );
    expect(route({ agent: 'architect', taskType: 'review' }).notice).toBeUndefined();
    expect(route({ agent: 'architect' }).notice).toBeUndefined();
  });

  it('a task type the agent does not map keeps the preferred candidate, not explicit (policies may map it)', () => {
    const plan = route({ agent: 'architect', taskType: 'translate' });
    expect(plan.explicit).toBe(false);
    expect(plan.candidates[0]).toEqual(route({ agent: 'architect' }).candidates[0]);
    expect(route({ agent: 'backend', taskType: 'review' }).candidates[0]?.reason).toBe('preferred');
  });

  it('is a pure function: the same request plans the same route and the config is untouched', () => {
    const before = JSON.stringify(config);
    expect(route({ agent: 'architect', tool: 'codex' })).toEqual(
      route({ agent: 'architect', tool: 'codex' }),
    );
    expect(JSON.stringify(config)).toBe(before);
  });
});
