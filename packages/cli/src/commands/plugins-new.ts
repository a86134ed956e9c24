import { builtinModules } from 'node:module';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { PLUGIN_API_VERSION, UsageError } from '@llm-service/spec';
import type { CliContext } from '../program.js';
import { pluginKinds } from '../init/help-texts.js';
import { locateShippedPackage, packShippedPackage, type PackedPackage } from './shipped-packages.js';

export type PluginKind = (typeof pluginKinds)[number];

export interface PluginsNewOptions {
  kind?: string;
  dir?: string;
}

const npmName = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/**
 * Our packages a new plugin installs: the spec it compiles against, and what its tests run it with (core's kernel,
 * which needs the plugin kit and the configuration, and the testkit). They come from the running CLI, packed into the plugin's `vendor/`.
 */
export const vendoredPackages = [
  '@llm-service/spec',
  '@llm-service/plugin-kit',
  '@llm-service/config',
  '@llm-service/core',
  '@llm-service/testkit',
] as const;

/** A vendored package as the new plugin's manifest names it. */
export interface VendoredPackage {
  name: string;
  version: string;
  /** Its tarball, relative to the plugin's directory: `vendor/llm-service-spec-0.1.0.tgz`. */
  path: string;
}

/** Why `name` cannot name a new npm package (npm's rules for new names), or undefined when it can. */
export function invalidNpmName(name: string): string | undefined {
  if (!npmName.test(name))
    return 'use lower case letters, digits, dashes, dots and underscores, e.g. llm-service-audit or @acme/llm-service-audit';
  if (name.length > 214) return 'an npm name has at most 214 characters';
  const base = name.split('/').pop() ?? name;
  if (base === 'node_modules' || base === 'favicon.ico') return `'${base}' is reserved by npm`;
  if (!name.startsWith('@') && builtinModules.includes(name))
    return `'${name}' is a Node.js module; add a prefix, e.g. llm-service-${name}`;
  if ((vendoredPackages as readonly string[]).includes(name))
    return `${name} is a package of llm-service the new plugin depends on; choose a name of your own`;
  return undefined;
}

/** `@acme/llm-service-audit` → `audit`-like short id: the last path part without an `llm-service-` prefix. */
export function shortId(name: string): string {
  const base = name.split('/').pop() ?? name;
  return (
    base
      .replace(/^llm-service-(?:plugin-|adapter-|policy-|sink-)?/, '')
      .replace(/[^a-z0-9-]/g, '-')
      .replace(/^-+|-+$/g, '') || 'plugin'
  );
}

/** `my-audit` → `my_audit`: the key of the plugin's section in llm-service.yaml. */
const sectionKey = (id: string) => id.replace(/-/g, '_');

/**
 * The files of a new plugin package, by path relative to its directory (besides the tarballs of `vendored`, which
 * the caller writes).
 */
export function pluginFiles(
  name: string,
  kind: PluginKind,
  vendored: readonly VendoredPackage[],
): Record<string, string> {
  const id = shortId(name);
  const spec = vendored.find((pkg) => pkg.name === '@llm-service/spec');
  if (!spec) throw new Error('pluginFiles: no @llm-service/spec among the vendored packages');
  // Our packages come from the tarballs in vendor/, packed from the CLI that wrote the plugin: never from a registry.
  // The overrides make every dependency on them inside the tree (core's on the spec and the kit, the testkit's peer)
  // the same tarball; without them npm asks the registry for those names while it places the tree.
  const fromVendor = Object.fromEntries(vendored.map((pkg) => [pkg.name, `file:${pkg.path}`]));
  const manifest = {
    name,
    version: '0.1.0',
    description: `An llm-service ${kind} plugin`,
    license: 'MIT',
    type: 'module',
    sideEffects: false,
    engines: { node: '>=20.19' },
    keywords: ['llm-service', 'llm-service-plugin'],
    exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
    files: ['dist'],
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json --noEmit',
      test: 'vitest run',
      prepublishOnly: 'npm run typecheck && npm test && npm run build',
    },
    // What users of the plugin must have: the spec of the version it was written for, or a later compatible one.
    peerDependencies: { '@llm-service/spec': `^${spec.version}` },
    devDependencies: Object.fromEntries(
      Object.entries({
        ...fromVendor,
        '@types/node': '^20.19.0',
        typescript: '~6.0.3',
        vitest: '4.1.12',
      }).sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
    overrides: Object.fromEntries(vendored.map((pkg) => [pkg.name, `$${pkg.name}`])),
  };
  const compilerOptions = {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    declaration: true,
    rootDir: 'src',
    outDir: 'dist',
  };
  return {
    'package.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify({ compilerOptions, include: ['src'] }, null, 2)}\n`,
    'tsconfig.build.json': `${JSON.stringify({ extends: './tsconfig.json', exclude: ['src/**/*.test.ts'] }, null, 2)}\n`,
    '.gitignore': 'node_modules\ndist\n',
    'README.md': readme(name, kind, id, vendored),
    'src/index.ts': sources[kind](name, id),
    'src/index.test.ts': tests[kind](name, id),
  };
}

function readme(name: string, kind: PluginKind, id: string, vendored: readonly VendoredPackage[]): string {
  const use: Record<PluginKind, string> = {
    adapter: `# tools.yaml\ntools:\n  ${id}:\n    adapter: ${id}\n    models: [${id}-1]\n    prefix: '> '`,
    policy: `# llm-service.yaml\n${sectionKey(id)}:\n  max_prompt_bytes: 100000`,
    sink: `# llm-service.yaml\n${sectionKey(id)}:\n  file: ${id}.jsonl`,
    command: `llm-service ${id} --config-dir ./config`,
  };
  const versionOf = (pkg: string) => vendored.find((each) => each.name === pkg)?.version ?? '0.0.0';
  const shipped = vendored.map((pkg) => `${pkg.name} ${pkg.version}`).join(', ');
  return `# ${name}

An llm-service ${kind} plugin (plugin API ${PLUGIN_API_VERSION}).

\`\`\`sh
npm install          # then: npm test, npm run typecheck, npm run build
\`\`\`

Use it by naming it in \`llm-service.yaml\` (\`plugins: [${name}]\`), installed beside the config directory:

\`\`\`yaml
${use[kind]}
\`\`\`

It depends on \`@llm-service/spec\` only, as a peer dependency (\`^${versionOf('@llm-service/spec')}\`); its tests run it in a
real kernel (\`@llm-service/core\`) with \`@llm-service/testkit\`. See llm-service's \`docs/plugins.md\`.

\`vendor/\` holds the llm-service packages of the CLI that wrote this plugin (${shipped}):
\`npm install\` takes them from there, never from a registry, so keep the directory (commit it); the published plugin
leaves it out. To build against another llm-service, run its \`llm-service plugins new\` into an empty directory and
copy that \`vendor/\` and the \`@llm-service\` entries of its \`package.json\` here. If the code comes to use
\`@llm-service/plugin-kit\`, add it to \`dependencies\` with its published range (\`^${versionOf('@llm-service/plugin-kit')}\`), and keep its
\`vendor/\` entry in \`devDependencies\`.
`;
}

const header = (kind: string) => `/**
 * An llm-service ${kind} plugin. Importing this module has no side effects; the kernel calls \`register\` once the
 * configuration is validated.
 */
`;

const pluginHead = (name: string) => `  name: '${name}',
  version: '0.1.0',
  apiVersion: '^${PLUGIN_API_VERSION}',`;

const sources: Record<PluginKind, (name: string, id: string) => string> = {
  adapter: (name, id) => `${header('adapter')}import {
  AdapterError,
  definePlugin,
  emptyUsage,
  lazySchema,
  Observable,
  z,
  type AdapterEvent,
  type ToolAdapterV1,
} from '@llm-service/spec';

export const adapterId = '${id}';

/**
 * The keys this adapter adds to a tools.yaml entry whose \`adapter\` is '${id}'. Built on first use (lazySchema), as
 * every module-level schema should be: a run whose configuration comes from the config cache parses none of them.
 */
export const toolSchema = lazySchema(() =>
  z.strictObject({
    // Core requires \`binary\`; an adapter that runs no program gives it a default.
    binary: z.string().min(1).default('(built in)'),
    prefix: z.string().default(''),
  }),
);

/** A starting point: answers with the prompt, prefixed. Replace the body of \`invoke\` with a call to your tool. */
export function createAdapter(): ToolAdapterV1 {
  return {
    specificationVersion: 'v1',
    id: adapterId,
    async detect() {
      return { installed: true, credentials: [] };
    },
    invoke(request, signal): Observable<AdapterEvent> {
      return new Observable<AdapterEvent>((subscriber) => {
        if (signal.aborted) {
          subscriber.error(new AdapterError('cancelled', 'cancelled'));
          return;
        }
        const started = Date.now();
        const { prefix } = toolSchema.loose().parse(request.tool);
        const text = prefix + new TextDecoder().decode(request.prompt);
        subscriber.next({ type: 'output', text });
        subscriber.next({
          type: 'result',
          result: {
            text,
            usage: { ...emptyUsage, inputTokens: request.prompt.length, outputTokens: text.length },
            model: request.model,
            exitCode: 0,
            durationMs: Date.now() - started,
          },
        });
        subscriber.complete();
      });
    },
  };
}

const plugin = definePlugin({
${pluginHead(name)}
  configSchema: { tools: { [adapterId]: toolSchema } },
  register(context) {
    context.adapters.add(createAdapter());
  },
});

export default plugin;
`,

  policy: (
    name,
    id,
  ) => `${header('policy')}import { definePlugin, lazySchema, z, type PolicyV1 } from '@llm-service/spec';

/** Built on first use (lazySchema), as every module-level schema should be. */
export const sectionSchema = lazySchema(() =>
  z.strictObject({
    max_prompt_bytes: z.number().int().positive().default(100_000),
  }),
);

/** A starting point: blocks prompts larger than \`${sectionKey(id)}.max_prompt_bytes\` in llm-service.yaml. */
export function createPolicy(maxPromptBytes: number): PolicyV1 {
  return {
    specificationVersion: 'v1',
    id: '${id}',
    evaluate(_candidate, context) {
      if (context.prompt.length <= maxPromptBytes) return { action: 'allow' };
      return {
        action: 'block',
        message: \`the prompt has \${context.prompt.length} bytes; ${id} allows \${maxPromptBytes}\`,
        hints: ['shorten the prompt', 'raise ${sectionKey(id)}.max_prompt_bytes in llm-service.yaml'],
        endsRequest: true,
      };
    },
  };
}

const plugin = definePlugin({
${pluginHead(name)}
  configSchema: { sections: { ${sectionKey(id)}: sectionSchema } },
  register(context) {
    // Validated and typed by sectionSchema when the configuration loaded; absent means the defaults.
    const settings = context.settings.sections.${sectionKey(id)} ?? sectionSchema.parse({});
    context.policies.add(createPolicy(settings.max_prompt_bytes));
  },
});

export default plugin;
`,

  sink: (name, id) => `${header('sink')}import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  definePlugin,
  lazySchema,
  z,
  type LlmServiceEvent,
  type TelemetrySinkV1,
} from '@llm-service/spec';

/** Built on first use (lazySchema), as every module-level schema should be. */
export const sectionSchema = lazySchema(() =>
  z.strictObject({
    file: z.string().min(1).default('${id}.jsonl'),
  }),
);

/** A starting point: appends one JSON line per completed request. \`handle\` must not block: writes are queued. */
export function createSink(file: string): TelemetrySinkV1 {
  let writes: Promise<unknown> = Promise.resolve();
  return {
    specificationVersion: 'v1',
    id: '${id}',
    handle(event: LlmServiceEvent) {
      if (event.type !== 'request.completed') return;
      const line = JSON.stringify({
        at: event.at,
        invocationId: event.invocationId,
        agent: event.agent,
        status: event.status,
        costUsd: event.costUsd,
      });
      writes = writes.then(() => appendFile(file, \`\${line}\\n\`));
    },
    async flush() {
      await writes;
    },
    async dispose() {
      await writes;
    },
  };
}

const plugin = definePlugin({
${pluginHead(name)}
  configSchema: { sections: { ${sectionKey(id)}: sectionSchema } },
  register(context) {
    // Validated and typed by sectionSchema when the configuration loaded; absent means the defaults.
    const settings = context.settings.sections.${sectionKey(id)} ?? sectionSchema.parse({});
    context.sinks.add(createSink(resolve(context.config.dir, settings.file)));
  },
});

export default plugin;
`,

  command: (
    name,
    id,
  ) => `${header('command')}import { definePlugin, type CommandV1 } from '@llm-service/spec';

/** A starting point: \`llm-service ${id}\` lists the configured agents (\`--json\` for JSON). */
export const command: CommandV1 = {
  specificationVersion: 'v1',
  name: '${id}',
  summary: 'list the configured agents and their preferred tools',
  options: [{ flags: '--json', description: 'print as JSON' }],
  async run(input) {
    const kernel = await input.kernel();
    const config = await kernel.config();
    const agents = Object.entries(config.agents).map(([agent, settings]) => ({
      agent,
      tool: settings.preferred_tool,
    }));
    if (input.options.json === true) input.io.stdout.write(\`\${JSON.stringify(agents)}\\n\`);
    else for (const { agent, tool } of agents) input.io.stdout.write(\`\${agent}: \${tool}\\n\`);
    return 0;
  },
};

const plugin = definePlugin({
${pluginHead(name)}
  // Commands are declared, so \`llm-service --help\` lists them without loading any configuration.
  commands: [command],
  register() {},
});

export default plugin;
`,
};

const testHead = `import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validatePluginDefinition } from '@llm-service/config';
import { createKernel } from '@llm-service/core';
`;

const testSetup = (name: string) => `
const directories: string[] = [];
function temporaryDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plugin-test-'));
  directories.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('is a valid plugin named after its package', () => {
  expect(validatePluginDefinition('${name}', plugin).name).toBe('${name}');
});
`;

/** A tool and agent that run the testkit's scripted test adapter, for plugins that need a request to run. */
const scriptedConfig = `const scripted = definePluginForTests({
  name: 'scripted-tool',
  adapters: [createScriptedAdapter('scripted', () => ({ answer: 'scripted answer' }))],
});
const baseConfig = {
  agents: { writer: { preferred_tool: 'scripted', preferred_model: 'm' } },
  tools: { scripted: { adapter: 'scripted', binary: 'scripted', models: ['m'] } },
  models: { m: { input_per_mtok: 1, output_per_mtok: 1 } },
};`;

const tests: Record<PluginKind, (name: string, id: string) => string> = {
  adapter: (name, id) => `${testHead}import { writeTestConfig } from '@llm-service/testkit/testing';
import plugin from './index.js';
${testSetup(name)}
describe('the ${id} adapter', () => {
  it('answers a request routed to it, streaming the text', async () => {
    const configDir = writeTestConfig(temporaryDirectory(), {
      agents: { writer: { preferred_tool: 'mine', preferred_model: '${id}-1' } },
      tools: { mine: { adapter: '${id}', models: ['${id}-1'], prefix: '> ' } },
      models: { '${id}-1': { input_per_mtok: 0, output_per_mtok: 0 } },
    });
    const kernel = createKernel({ configDir, env: {}, plugins: [plugin] });
    const streamed: string[] = [];
    try {
      const result = await kernel.exec(
        { agent: 'writer', prompt: 'hello' },
        { onText: (text) => streamed.push(text) },
      );
      expect(result.text).toBe('> hello');
      expect(streamed.join('')).toBe('> hello');
      expect(result.tool).toBe('mine');
    } finally {
      await kernel.dispose();
    }
  });

  it('refuses a tools.yaml key it does not know', async () => {
    const configDir = writeTestConfig(temporaryDirectory(), {
      agents: { writer: { preferred_tool: 'mine' } },
      tools: { mine: { adapter: '${id}', models: ['${id}-1'], prefx: '> ' } },
      models: {},
    });
    const kernel = createKernel({ configDir, env: {}, plugins: [plugin] });
    await expect(kernel.config()).rejects.toThrow(/prefx/);
    await kernel.dispose();
  });
});
`,

  policy: (
    name,
    id,
  ) => `${testHead}import { createScriptedAdapter, definePluginForTests, writeTestConfig } from '@llm-service/testkit/testing';
import plugin from './index.js';
${testSetup(name)}
${scriptedConfig}

describe('the ${id} policy', () => {
  it('allows a small prompt and blocks a large one with exit code 3', async () => {
    const configDir = writeTestConfig(temporaryDirectory(), {
      ...baseConfig,
      settings: { ${sectionKey(id)}: { max_prompt_bytes: 10 } },
    });
    const kernel = createKernel({ configDir, env: {}, plugins: [scripted, plugin] });
    try {
      expect((await kernel.exec({ agent: 'writer', prompt: 'short' })).text).toBe('scripted answer');
      await expect(kernel.exec({ agent: 'writer', prompt: 'a prompt far too long' })).rejects.toMatchObject({
        code: 'E_POLICY_BLOCKED',
        exitCode: 3,
      });
    } finally {
      await kernel.dispose();
    }
  });
});
`,

  sink: (
    name,
    id,
  ) => `${testHead}import { createScriptedAdapter, definePluginForTests, writeTestConfig } from '@llm-service/testkit/testing';
import plugin from './index.js';
${testSetup(name)}
${scriptedConfig}

describe('the ${id} sink', () => {
  it('writes one line per completed request, flushed when the kernel is disposed', async () => {
    const configDir = writeTestConfig(temporaryDirectory(), {
      ...baseConfig,
      settings: { ${sectionKey(id)}: { file: 'out.jsonl' } },
    });
    const kernel = createKernel({ configDir, env: {}, plugins: [scripted, plugin] });
    await kernel.exec({ agent: 'writer', prompt: 'one' });
    await kernel.exec({ agent: 'writer', prompt: 'two' });
    await kernel.dispose();
    const lines = readFileSync(join(configDir, 'out.jsonl'), 'utf8').trim().split('\\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ agent: 'writer', status: 'success' });
  });
});
`,

  command: (name, id) => `${testHead}import { Writable } from 'node:stream';
import { createScriptedAdapter, definePluginForTests, writeTestConfig } from '@llm-service/testkit/testing';
import plugin, { command } from './index.js';
${testSetup(name)}
${scriptedConfig}

describe('the ${id} command', () => {
  it('lists the configured agents as JSON', async () => {
    const configDir = writeTestConfig(temporaryDirectory(), baseConfig);
    let stdout = '';
    const collect = new Writable({
      write(chunk: Buffer, _encoding, done) {
        stdout += chunk.toString();
        done();
      },
    });
    const kernel = createKernel({ configDir, env: {}, plugins: [scripted, plugin] });
    try {
      const code = await command.run({
        args: [],
        options: { json: true },
        io: { stdout: collect, stderr: collect, interactive: false },
        kernel: async () => kernel,
      });
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual([{ agent: 'writer', tool: 'scripted' }]);
    } finally {
      await kernel.dispose();
    }
  });
});
`,
};

/** The vendored packages, packed from the running CLI's copies. */
export function packVendoredPackages(): PackedPackage[] {
  return vendoredPackages.map((name) => packShippedPackage(locateShippedPackage(name)));
}

/** `llm-service plugins new <name> --kind K [--dir D]`: writes a plugin package whose own tests pass. */
export function runPluginsNew(name: string, options: PluginsNewOptions, context: CliContext): number {
  const invalid = invalidNpmName(name);
  if (invalid !== undefined)
    throw new UsageError(`'${name}' is not a valid npm package name`, { hint: invalid });
  const kind = options.kind as PluginKind | undefined;
  if (!kind || !pluginKinds.includes(kind)) {
    throw new UsageError(`--kind must be one of ${pluginKinds.join(', ')}`, {
      hint: `llm-service plugins new ${name} --kind adapter`,
    });
  }
  const dir = resolve(context.io.cwd, options.dir ?? (name.split('/').pop() as string));
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory())
      throw new UsageError(`${dir} exists and is not a directory`, { hint: 'choose another --dir' });
    if (readdirSync(dir).length > 0)
      throw new UsageError(`${dir} exists and is not empty`, { hint: 'choose another --dir' });
  }
  // Everything that can fail for want of a package is done before the first file is written.
  const packed = packVendoredPackages();
  const vendored = packed.map((pkg) => ({
    name: pkg.name,
    version: pkg.version,
    path: `vendor/${pkg.fileName}`,
  }));
  const files = pluginFiles(name, kind, vendored);
  for (const [path, content] of [
    ...Object.entries(files),
    ...packed.map((pkg) => [`vendor/${pkg.fileName}`, pkg.tarball] as const),
  ]) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  const shown = relative(context.io.cwd, dir) || '.';
  context.io.stderr.write(
    `llm-service: wrote a ${kind} plugin ${name} in ${shown}: ${Object.keys(files).join(', ')}, ` +
      `and vendor/ (${vendored.map((pkg) => `${pkg.name} ${pkg.version}`).join(', ')}, from this llm-service)\n` +
      `  next: cd ${shown} && npm install && npm test\n`,
  );
  return 0;
}
