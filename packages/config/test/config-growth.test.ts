import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, definePlugin, z } from '@llm-service/spec';
import { collectConfigSchemas, readConfigSources, resolveConfig } from '../src/index.js';

/**
 * Loading a config grows linearly with its size (issue 13: a duplicate-key check once made it quadratic). Timings
 * are measured in `pnpm bench` (bench/hostile-input.mjs); this asserts only the growth: eight times the agents may
 * cost at most 24 times the work. Linear work is 8 times, quadratic 64, so the bound holds on a busy machine yet
 * fails on any quadratic step. Each size is the fastest of three loads, which leaves out pauses of the collector.
 */

const schemas = collectConfigSchemas([
  definePlugin({
    name: '@llm-service/growth-test',
    version: '1.0.0',
    apiVersion: '^1.0.0',
    register() {},
    configSchema: { tools: { stub: z.strictObject({}) } },
  }),
]);

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A config of `count` agents (6,000 stay under the 1 MiB a file may hold), each with a fallback chain and a task type; with `broken`, each has a wrong key. */
function configOf(count: number, broken: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-service-growth-'));
  roots.push(dir);
  const agents = Array.from(
    { length: count },
    (_, index) =>
      `  agent${index}:\n    preferred_tool: a\n    preferred_model: m1\n    fallback_chain: ["b:m2"]\n` +
      `    task_types:\n      review: { model: m2 }\n${broken ? '    prefered_model: m2\n' : ''}`,
  );
  writeFileSync(join(dir, 'agents.yaml'), `version: 1\nagents:\n${agents.join('')}`);
  writeFileSync(
    join(dir, 'tools.yaml'),
    'version: 1\ntools:\n  a: { adapter: stub, binary: a, models: [m1, m2] }\n  b: { adapter: stub, binary: b, models: [m2] }\n',
  );
  writeFileSync(
    join(dir, 'models.yaml'),
    'version: 1\nmodels:\n  m1: { input_per_mtok: 1, output_per_mtok: 2 }\n  m2: { input_per_mtok: 1, output_per_mtok: 2 }\n',
  );
  return dir;
}

/** Reads, parses, validates and cross-checks the config; returns how many problems it found. */
function load(dir: string): number {
  try {
    resolveConfig(readConfigSources(dir, 'flag', dir), schemas, {});
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.length;
    throw error;
  }
}

function fastestOfThree(dir: string): { ms: number; problems: number } {
  let ms = Number.POSITIVE_INFINITY;
  let problems = 0;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    problems = load(dir);
    ms = Math.min(ms, performance.now() - started);
  }
  return { ms, problems };
}

describe('config loading', () => {
  it.each([
    ['a valid config', false],
    ['a config with a problem in every agent', true],
  ])(
    'grows linearly with the number of agents: %s',
    (_name, broken) => {
      const small = configOf(750, broken);
      const large = configOf(6_000, broken);
      load(small); // Warm up the code paths, so the first measurement is not the compiler's.
      const smallRun = fastestOfThree(small);
      const largeRun = fastestOfThree(large);
      expect(smallRun.problems).toBe(broken ? 750 : 0);
      expect(largeRun.problems).toBe(broken ? 6_000 : 0);
      console.log(
        `config loading, ${broken ? 'broken' : 'valid'}: 750 agents ${smallRun.ms.toFixed(0)} ms, 6,000 agents ${largeRun.ms.toFixed(0)} ms`,
      );
      expect(largeRun.ms / smallRun.ms).toBeLessThan(24);
    },
    60_000,
  );
});
