// One-off generator for package manifests; kept so new packages start from the same shape.
import { writeFileSync, mkdirSync } from 'node:fs';

const descriptions = {
  core: 'Contracts, plugin API, event bus, configuration, routing and kernel of llm-service',
  'adapter-claude': 'llm-service plugin: runs the Claude Code CLI',
  'adapter-generic-yaml': 'llm-service plugin: runs any CLI described in tools.yaml',
  policy: 'llm-service plugin: budgets and model selection',
  telemetry: 'llm-service plugin: records invocations',
  cli: 'The llm-service command-line distribution',
};
const coreDeps = {
  execa: '9.6.0',
  'fastest-levenshtein': '1.0.16',
  'reflect-metadata': '0.2.2',
  rxjs: '7.8.2',
  semver: '7.8.6',
  tsyringe: '4.10.0',
  yaml: '2.9.1',
  zod: '4.6.7',
};
for (const [dir, description] of Object.entries(descriptions)) {
  const isCore = dir === 'core';
  const isCli = dir === 'cli';
  const exportsSource = {
    '.': { '@llm-service/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' },
  };
  const exportsPublished = { '.': { types: './dist/index.d.ts', import: './dist/index.js' } };
  const manifest = {
    name: `@llm-service/${dir}`,
    version: '0.1.0',
    description,
    license: 'MIT',
    type: 'module',
    sideEffects: false,
    engines: { node: '>=20.19' },
    exports: exportsSource,
    ...(isCli ? { bin: { 'llm-service': './dist/bin.js' } } : {}),
    files: ['dist'],
    publishConfig: { access: 'public', exports: exportsPublished },
    scripts: { build: 'tsup', typecheck: 'tsc -p tsconfig.json' },
    ...(isCore
      ? { dependencies: coreDeps }
      : isCli
        ? {
            dependencies: {
              '@llm-service/core': 'workspace:^',
              '@llm-service/adapter-claude': 'workspace:^',
              '@llm-service/adapter-generic-yaml': 'workspace:^',
              '@llm-service/policy': 'workspace:^',
              '@llm-service/telemetry': 'workspace:^',
              commander: '14.0.3',
              picocolors: '1.1.1',
            },
          }
        : {
            peerDependencies: { '@llm-service/core': 'workspace:^' },
            devDependencies: { '@llm-service/core': 'workspace:^' },
          }),
  };
  mkdirSync(`packages/${dir}/src`, { recursive: true });
  writeFileSync(`packages/${dir}/package.json`, JSON.stringify(manifest, null, 2) + '\n');
  writeFileSync(
    `packages/${dir}/tsconfig.json`,
    JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test'] }, null, 2) + '\n',
  );
  const entries = isCli ? "{ index: 'src/index.ts', bin: 'src/bin.ts' }" : "['src/index.ts']";
  writeFileSync(
    `packages/${dir}/tsup.config.ts`,
    `import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ${entries},
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: { compilerOptions: { composite: false, ignoreDeprecations: '6.0' } },
  clean: true,
  sourcemap: true,
});
`,
  );
}
