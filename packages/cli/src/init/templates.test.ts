import { describe, expect, it } from 'vitest';
import { knownTool, modelPrices } from './catalogue.js';
import { renderPlan, templates, yamlScalar } from './templates.js';
import { planFromAnswers } from './wizard.js';

describe('init templates', () => {
  it('quote YAML scalars only when needed', () => {
    expect(yamlScalar('claude-sonnet-4-6')).toBe('claude-sonnet-4-6');
    expect(yamlScalar('qwen2.5-coder:7b')).toBe('"qwen2.5-coder:7b"');
    expect(yamlScalar('yes')).toBe('"yes"');
    expect(yamlScalar('agent:architect')).toBe('"agent:architect"');
  });

  it.each(templates.map((template) => [template.name, template] as const))(
    '%s: every agent runs a model its tool lists, and every listed model has a list price',
    (_name, template) => {
      for (const agent of Object.values(template.plan.agents)) {
        expect(template.plan.tools).toContain(agent.tool);
        expect(knownTool(agent.tool)?.models).toContain(agent.model);
      }
      for (const tool of template.plan.tools)
        for (const model of knownTool(tool)?.models ?? []) expect(modelPrices).toHaveProperty([model]);
      expect([...renderPlan(template.plan).keys()]).toEqual([
        'agents.yaml',
        'tools.yaml',
        'models.yaml',
        'policies.yaml',
        'llm-service.yaml',
      ]);
    },
  );

  it('the wizard puts each agent on its preferred chosen tool and falls back across the others, Ollama last', () => {
    const plan = planFromAnswers({
      tools: ['ollama', 'claude', 'gemini'],
      agents: ['writer', 'architect'],
      dailyBudgetUsd: 12,
      costOptimization: true,
    });
    expect(Object.keys(plan.agents)).toEqual(['architect', 'writer']);
    expect(plan.agents.architect).toMatchObject({
      tool: 'claude',
      model: 'claude-opus-4-6',
      fallback: ['gemini:gemini-3.1-pro-preview', 'ollama:qwen2.5-coder:7b'],
    });
    expect(plan.agents.writer).toMatchObject({ tool: 'gemini', model: 'gemini-3-flash-preview' });
    expect(plan.budgets[0]).toMatchObject({ scope: 'global', period: 'daily', limitUsd: 12, mode: 'hard' });
    expect(plan.costOptimization?.simpleTaskModels).toEqual(['claude-haiku-4-5', 'gemini-3-flash-preview']);
  });
});
