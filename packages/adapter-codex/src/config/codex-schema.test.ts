import { describe, expect, it } from 'vitest';
import { codexAgentOptionsSchema, codexToolSchema, sandboxModes } from './codex-schema.js';

function issuePaths(value: unknown): string[] {
  const result = codexAgentOptionsSchema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('codex agent options', () => {
  it('takes every option users set', () => {
    const options = {
      sandbox: 'workspace-write',
      working_directory: 'services/api',
      profile: 'careful',
      add_dirs: ['../shared'],
      config: {
        model_reasoning_effort: 'high',
        'shell_environment_policy.inherit': 'all',
        hide_agent_reasoning: true,
      },
    };
    expect(codexAgentOptionsSchema.parse(options)).toEqual(options);
    expect(codexAgentOptionsSchema.parse({ approval_policy: 'auto-review' })).toEqual({
      approval_policy: 'auto-review',
    });
    expect(codexAgentOptionsSchema.parse({})).toEqual({});
  });

  it.each([...sandboxModes])('accepts sandbox %s', (mode) => {
    expect(issuePaths({ sandbox: mode })).toEqual([]);
  });

  it.each([
    [{ sandbox: 'yolo' }, 'sandbox'],
    [{ approval_policy: 'on-request' }, 'approval_policy'],
    [{ profile: '--dangerously-bypass-approvals-and-sandbox' }, 'profile'],
    [{ profile: '' }, 'profile'],
    [{ working_directory: '' }, 'working_directory'],
    [{ add_dirs: ['--cd'] }, 'add_dirs.0'],
    [{ config: { 'bad key': 1 } }, 'config.bad key'],
    [{ config: { effort: { nested: true } } }, 'config.effort'],
    [{ config: { model: 'gpt-4o' } }, 'config.model'],
    [{ config: { approval_policy: 'on-request' } }, 'config.approval_policy'],
    [{ sandboxMode: 'read-only' }, ''],
  ])('refuses %j', (value, path) => {
    expect(issuePaths(value)).toEqual([path]);
  });

  it('refuses combinations codex refuses or ignores', () => {
    expect(issuePaths({ approval_policy: 'auto-review', sandbox: 'read-only' })).toEqual(['sandbox']);
    expect(
      issuePaths({
        dangerously_bypass_approvals_and_sandbox: true,
        sandbox: 'read-only',
        approval_policy: 'never',
      }),
    ).toEqual(['sandbox', 'approval_policy']);
    expect(issuePaths({ dangerously_bypass_approvals_and_sandbox: true })).toEqual([]);
  });
});

describe('codex tool schema', () => {
  it('leaves llm-service’s own retries off by default: codex retries itself', () => {
    expect(codexToolSchema.parse({})).toEqual({ retry: { max: 1, base_ms: 500, same_tool: false } });
    expect(codexToolSchema.parse({ retry: { same_tool: true, max: 3 } }).retry).toMatchObject({
      max: 3,
      same_tool: true,
    });
  });

  it('refuses unknown keys and out-of-range retries', () => {
    expect(codexToolSchema.safeParse({ json: true }).success).toBe(false);
    expect(codexToolSchema.safeParse({ retry: { max: 11 } }).success).toBe(false);
    expect(codexToolSchema.safeParse({ retry: { max: 1, tries: 2 } }).success).toBe(false);
  });
});
