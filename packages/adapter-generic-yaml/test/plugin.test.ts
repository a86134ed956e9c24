import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PLUGIN_API_VERSION } from '@llm-service/spec';
import { createKernel, type Kernel } from '@llm-service/core';
import genericYamlPlugin, { createGenericYamlAdapter, genericYamlToolSchema } from '../src/index.js';
import { fakeCli, temporaryDirectory } from './helpers.js';

const kernels: Kernel[] = [];
afterEach(async () => {
  await Promise.all(kernels.splice(0).map((kernel) => kernel.dispose()));
});

/** A config directory with one agent routed to one generic-yaml tool described by `toolYaml`. */
function configDir(toolYaml: string): string {
  const dir = temporaryDirectory('generic-yaml-config-');
  writeFileSync(join(dir, 'agents.yaml'), 'version: 1\nagents:\n  tester:\n    preferred_tool: fake\n');
  writeFileSync(join(dir, 'tools.yaml'), `version: 1\ntools:\n  fake:\n${toolYaml}`);
  writeFileSync(
    join(dir, 'models.yaml'),
    'version: 1\nmodels:\n  fake-model: { input_per_mtok: 1.0, output_per_mtok: 2.0 }\n',
  );
  return dir;
}

function kernelFor(dir: string): Kernel {
  const kernel = createKernel({
    configDir: dir,
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir },
    plugins: [genericYamlPlugin],
    logger: { warn: () => undefined },
  });
  kernels.push(kernel);
  return kernel;
}

describe('the plugin', () => {
  it('is a plain definition for the current plugin API, contributing the generic-yaml adapter and schema', () => {
    expect(genericYamlPlugin).toMatchObject({
      name: '@llm-service/adapter-generic-yaml',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      apiVersion: '^1.0.0',
    });
    expect(PLUGIN_API_VERSION.startsWith('1.')).toBe(true);
    expect(genericYamlPlugin.configSchema?.tools?.['generic-yaml']).toBe(genericYamlToolSchema);
    expect(createGenericYamlAdapter()).toMatchObject({ specificationVersion: 'v1', id: 'generic-yaml' });
  });

  it('runs a request end to end through the kernel, with the tool-reported cost', async () => {
    const answer = JSON.stringify({ result: 'kernel answer', usage: { in: 10, out: 20 }, cost: 0.25 });
    const dir = configDir(
      [
        `    binary: ${JSON.stringify(fakeCli)}`,
        '    models: [fake-model]',
        '    args: ["--model", "{{model}}"]',
        '    output: { format: json, text: result, input_tokens: usage.in, output_tokens: usage.out, cost_usd: cost }',
        `    env: { FAKE_OUTPUT: ${JSON.stringify(answer)} }`,
        '',
      ].join('\n'),
    );
    const streamed: string[] = [];
    const result = await kernelFor(dir).exec(
      { agent: 'tester', prompt: 'hello' },
      { onText: (text) => streamed.push(text) },
    );
    expect(result).toMatchObject({
      text: 'kernel answer',
      tool: 'fake',
      model: 'fake-model',
      usage: { inputTokens: 10, outputTokens: 20 },
      costUsd: 0.25,
      costSource: 'tool',
    });
    expect(streamed).toEqual(['kernel answer']);
    expect(await kernelFor(dir).detect('fake')).toMatchObject({ installed: true, version: 'fake-llm 1.2.3' });
  });

  it('reports an unknown placeholder at its line, column and arg index, with a suggestion', async () => {
    const dir = configDir(
      [
        `    binary: ${JSON.stringify(fakeCli)}`,
        '    models: [fake-model]',
        '    args:',
        '      - exec',
        '      - "--model={{modle}}"',
        '',
      ].join('\n'),
    );
    const error = await kernelFor(dir)
      .config()
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toMatchObject({ code: 'E_CONFIG' });
    expect((error as Error).message).toMatch(
      /tools\.yaml:8:9: tools\.fake\.args\.1: unknown placeholder '\{\{modle\}\}'; did you mean '\{\{model\}\}'\?/,
    );
  });

  it('reports a delivery mode without its placeholder through the plugin check', async () => {
    const dir = configDir(
      [
        `    binary: ${JSON.stringify(fakeCli)}`,
        '    models: [fake-model]',
        '    prompt_via: arg',
        '    args: ["--quiet", "{{output_file}}"]',
        '',
      ].join('\n'),
    );
    const message = await kernelFor(dir)
      .config()
      .then(
        () => '',
        (caught: unknown) => (caught as Error).message,
      );
    expect(message).toMatch(
      /tools\.yaml:6:\d+: tools\.fake\.prompt_via: prompt_via: arg needs a '\{\{prompt\}\}'/,
    );
    expect(message).toMatch(
      /tools\.yaml:7:\d+: tools\.fake\.args\.1: '\{\{output_file\}\}' needs output.source: file/,
    );
  });
});
