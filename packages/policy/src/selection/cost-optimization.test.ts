import { describe, expect, it } from 'vitest';
import type { Candidate, PolicyContext, ResolvedConfig } from '@llm-service/spec';
import { PromptTokens } from '../budget/prompt-tokens.js';
import { policiesFileSchema, type PoliciesFile } from '../policies-schema.js';
import { CostOptimizationPolicy, selectModel } from './cost-optimization.js';

const config = (costOptimization: unknown) =>
  ({
    dir: '/config',
    tools: {
      claude: { models: ['opus', 'sonnet', 'haiku'] },
      codex: { models: ['gpt-5', 'gpt-5-mini'] },
    },
    models: {
      opus: { input_per_mtok: 15, output_per_mtok: 75 },
      sonnet: { input_per_mtok: 3, output_per_mtok: 15 },
      haiku: { input_per_mtok: 1, output_per_mtok: 5 },
      'gpt-5': { input_per_mtok: 1.25, output_per_mtok: 10 },
      'gpt-5-mini': { input_per_mtok: 0.25, output_per_mtok: 2 },
    },
    files: {
      'policies.yaml': policiesFileSchema.parse({
        version: 1,
        cost_optimization: costOptimization,
        estimate: { default_output_tokens: 500 },
      }),
    },
  }) as unknown as ResolvedConfig;

const enabled = {
  enabled: true,
  simple_task_threshold_tokens: 10,
  simple_task_models: ['gpt-5-mini', 'haiku', 'sonnet'],
  task_type_models: { docs: 'sonnet', translate: 'gpt-5-mini' },
};
const opus: Candidate = { tool: 'claude', model: 'opus', reason: 'preferred' };

function setup(costOptimization: unknown = enabled) {
  const counted: string[] = [];
  // Every character is one token, so the tests choose the estimate exactly.
  const tokens = new PromptTokens(() => (text: string) => {
    counted.push(text);
    return text.length;
  });
  const policy = new CostOptimizationPolicy({
    policies: config(costOptimization).files['policies.yaml'] as PoliciesFile,
    tokens,
  });
  const context = (prompt: string, overrides: Partial<PolicyContext> = {}): PolicyContext => ({
    invocationId: 'inv-1',
    chainId: 'chain-1',
    agent: 'architect',
    taskType: undefined,
    explicit: false,
    prompt: new TextEncoder().encode(prompt),
    config: config(costOptimization),
    maxCostUsd: undefined,
    force: undefined,
    ...overrides,
  });
  return { policy, context, counted };
}

describe('cost optimisation', () => {
  it('moves a prompt under the threshold to the first simple-task model the tool runs, recording tokens and threshold', async () => {
    const { policy, context } = setup();
    expect(await policy.evaluate(opus, context('short'))).toEqual({
      action: 'rewrite',
      candidate: { tool: 'claude', model: 'haiku', reason: 'cost_optimization' },
      reason: 'cost_optimization: prompt of 5 tokens is under the threshold of 10; haiku instead of opus',
      details: { rule: 'simple_task', promptTokens: 5, thresholdTokens: 10, replacedModel: 'opus' },
    });
    // On the other tool the first listed model wins.
    expect(
      await policy.evaluate({ tool: 'codex', model: 'gpt-5', reason: 'preferred' }, context('short')),
    ).toMatchObject({ candidate: { tool: 'codex', model: 'gpt-5-mini', reason: 'cost_optimization' } });
  });

  it('keeps the preferred model at and above the threshold, with reason above_threshold', async () => {
    const { policy, context } = setup();
    expect(await policy.evaluate(opus, context('exactly 10'))).toEqual({
      action: 'rewrite',
      candidate: { tool: 'claude', model: 'opus', reason: 'above_threshold' },
      reason: 'above_threshold: prompt of 10 tokens is not under the threshold of 10; opus stays',
      details: { rule: 'above_threshold', promptTokens: 10, thresholdTokens: 10 },
    });
  });

  it('never moves to a model that would cost more, nor to one the tool does not run', async () => {
    const { policy, context } = setup({ ...enabled, simple_task_models: ['sonnet', 'gpt-5-mini'] });
    // haiku is preferred: sonnet is dearer, gpt-5-mini is not on claude.
    expect(await policy.evaluate({ ...opus, model: 'haiku' }, context('short'))).toEqual({
      action: 'allow',
    });
  });

  it('maps task types to models with task_type_models, before the threshold (and without tokenizing)', async () => {
    const { policy, context, counted } = setup();
    const long = 'a much longer prompt than ten tokens';
    expect(await policy.evaluate(opus, context(long, { taskType: 'docs' }))).toEqual({
      action: 'rewrite',
      candidate: { tool: 'claude', model: 'sonnet', reason: 'cost_optimization' },
      reason: "cost_optimization: task type 'docs' runs on sonnet instead of opus",
      details: { rule: 'task_type_models', taskType: 'docs', replacedModel: 'opus' },
    });
    expect(counted).toEqual([]);
    // A mapped model the tool does not run falls through to the threshold rule.
    expect(await policy.evaluate(opus, context(long, { taskType: 'translate' }))).toMatchObject({
      candidate: { model: 'opus', reason: 'above_threshold' },
    });
  });

  it('never rewrites explicit choices, fallbacks, or anything when disabled', async () => {
    const { policy, context } = setup();
    expect(await policy.evaluate(opus, context('short', { explicit: true }))).toEqual({ action: 'allow' });
    expect(await policy.evaluate({ ...opus, reason: 'fallback' }, context('short'))).toEqual({
      action: 'allow',
    });
    expect(await policy.evaluate({ ...opus, reason: 'task_type' }, context('short'))).toEqual({
      action: 'allow',
    });
    const off = setup({ ...enabled, enabled: false });
    expect(await off.policy.evaluate(opus, off.context('short'))).toEqual({ action: 'allow' });
    // A policies.yaml without a cost_optimization section.
    const absent = new CostOptimizationPolicy({ policies: policiesFileSchema.parse({ version: 1 }) });
    expect(await absent.evaluate(opus, setup().context('short'))).toEqual({ action: 'allow' });
  });

  it('without a threshold only task types are mapped', async () => {
    const { policy, context } = setup({ enabled: true, simple_task_models: ['haiku'] });
    expect(await policy.evaluate(opus, context('short'))).toEqual({ action: 'allow' });
  });

  it('is the same decision as selectModel, which simulate uses without a kernel', async () => {
    const selection = await selectModel(opus, {
      config: config(enabled),
      settings: policiesFileSchema.parse({ version: 1, cost_optimization: enabled }).cost_optimization,
      taskType: undefined,
      explicit: false,
      promptTokens: () => 3,
      outputTokens: 500,
    });
    expect(selection).toMatchObject({ action: 'rewrite', candidate: { model: 'haiku' } });
  });

  it('tokenizes a prompt once however many policies and candidates ask', async () => {
    const { policy, context, counted } = setup();
    const shared = context('short');
    await policy.evaluate(opus, shared);
    await policy.evaluate({ tool: 'codex', model: 'gpt-5', reason: 'preferred' }, shared);
    expect(counted).toEqual(['short']);
  });
});
