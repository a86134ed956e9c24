// @ts-check
/* global AbortController */
/**
 * A minimal llm-service distribution: a composition root that loads the generic YAML adapter and telemetry into
 * core's kernel, and a small command line over it: `exec`, every command its plugins declare (`stats`, `telemetry
 * prune`), `--help` and `--version`. It depends on core and those two plugins only; users can still add plugins
 * with `plugins:` in llm-service.yaml.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import adapterGenericYaml from '@llm-service/adapter-generic-yaml';
import { isLlmServiceError, UsageError } from '@llm-service/spec';
import { createKernel } from '@llm-service/core';
import telemetry from '@llm-service/telemetry';

const NAME = 'llm-minimal';
const VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** @type {readonly import('@llm-service/core').PluginDefinition[]} */
export const plugins = [adapterGenericYaml, telemetry];

/**
 * @typedef {object} Io
 * @property {NodeJS.ReadableStream} stdin
 * @property {NodeJS.WriteStream} stdout
 * @property {NodeJS.WriteStream} stderr
 * @property {Readonly<Record<string, string | undefined>>} env
 * @property {string} cwd
 */

/** @type {Io} */
const processIo = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
};

/** @param {string} name `--chain-id` → `chainId`, as commander names option keys */
const camelCase = (name) => name.replace(/-([a-z])/g, (_, letter) => letter.toUpperCase());

/**
 * @param {import('@llm-service/core').CommandV1} command
 * @returns {import('node:util').ParseArgsConfig['options']}
 */
function optionsOf(command) {
  /** @type {NonNullable<import('node:util').ParseArgsConfig['options']>} */
  const options = { 'config-dir': { type: 'string' } };
  for (const option of command.options ?? []) {
    const match = /--([a-z0-9-]+)(\s+[<[])?/.exec(option.flags);
    if (match?.[1]) options[match[1]] = { type: match[2] ? 'string' : 'boolean' };
  }
  return options;
}

/** @param {Io} io @param {import('@llm-service/core').Kernel[]} kernels */
function kernelFactory(io, kernels) {
  /** @param {string | undefined} configDir */
  return (configDir) => {
    const kernel = createKernel({
      configDir,
      cwd: io.cwd,
      env: io.env,
      plugins,
      logger: { warn: (message) => io.stderr.write(`${NAME}: ${message}\n`) },
    });
    kernels.push(kernel);
    return kernel;
  };
}

/** @param {NodeJS.ReadableStream} stdin */
async function readAll(stdin) {
  /** @type {Buffer[]} */
  const chunks = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk));
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * @param {string[]} argv
 * @param {Io} io
 * @param {(configDir: string | undefined) => import('@llm-service/core').Kernel} newKernel
 */
async function runExec(argv, io, newKernel) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'config-dir': { type: 'string' },
      agent: { type: 'string', short: 'a' },
      prompt: { type: 'string', short: 'p' },
      'prompt-file': { type: 'string' },
      'task-type': { type: 'string' },
      tool: { type: 'string' },
      model: { type: 'string' },
      'no-fallback': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  if (!values.agent) throw new UsageError('exec needs --agent NAME');
  const prompt =
    values.prompt !== undefined
      ? values.prompt
      : values['prompt-file'] !== undefined
        ? new Uint8Array(readFileSync(values['prompt-file']))
        : await readAll(io.stdin);
  const kernel = newKernel(values['config-dir']);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await kernel.exec(
      {
        agent: values.agent,
        taskType: values['task-type'],
        tool: values.tool,
        model: values.model,
        noFallback: values['no-fallback'] === true,
        prompt,
      },
      {
        signal: abort.signal,
        onText: (text) => {
          if (!values.json) io.stdout.write(text);
        },
      },
    );
    if (values.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** @param {Io} io */
function printHelp(io) {
  const commands = plugins.flatMap((plugin) => plugin.commands ?? []);
  const lines = [
    `Usage: ${NAME} <command> [options]`,
    '',
    'Commands:',
    '  exec --agent A [--prompt T | --prompt-file F | stdin] [--json] [--config-dir D]',
    ...commands.map((command) => `  ${command.name.padEnd(16)} ${command.summary}`),
    '',
    `Plugins: ${plugins.map((plugin) => plugin.name).join(', ')}`,
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Runs the command line and returns the exit code; errors are reported on one line (plus a hint), never as a stack.
 * @param {readonly string[]} argv
 * @param {Io} [io]
 * @returns {Promise<number>}
 */
export async function main(argv, io = processIo) {
  /** @type {import('@llm-service/core').Kernel[]} */
  const kernels = [];
  const newKernel = kernelFactory(io, kernels);
  const [first, ...rest] = argv;
  try {
    if (first === '--version' || first === '-V') {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (first === undefined || first === '--help' || first === '-h') {
      printHelp(io);
      return 0;
    }
    if (first === 'exec') return await runExec(rest, io, newKernel);
    // A plugin command: the longest declared name that the arguments start with (`telemetry prune`, `stats`).
    const command = plugins
      .flatMap((plugin) => plugin.commands ?? [])
      .filter((candidate) => candidate.name.split(' ').every((word, index) => argv[index] === word))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (!command) throw new UsageError(`unknown command '${first}'`, { hint: `see ${NAME} --help` });
    const { values, positionals } = parseArgs({
      args: argv.slice(command.name.split(' ').length),
      options: optionsOf(command),
      allowPositionals: true,
      strict: true,
    });
    /** @type {Record<string, unknown>} */
    const options = {};
    for (const [key, value] of Object.entries(values)) options[camelCase(key)] = value;
    const configDir = typeof values['config-dir'] === 'string' ? values['config-dir'] : undefined;
    /** @type {import('@llm-service/core').Kernel | undefined} */
    let kernel;
    return await command.run({
      args: positionals,
      options,
      io: { stdout: io.stdout, stderr: io.stderr, interactive: io.stdout.isTTY === true },
      kernel: async () => (kernel ??= newKernel(configDir)),
    });
  } catch (error) {
    if (isLlmServiceError(error)) {
      io.stderr.write(`${NAME}: error: ${error.message}\n`);
      if (error.hint) io.stderr.write(`  hint: ${error.hint}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    // parseArgs reports unknown or malformed options: a usage error.
    if (/** @type {{ code?: unknown }} */ (error)?.code?.toString().startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`${NAME}: error: ${message}\n`);
      return 2;
    }
    io.stderr.write(`${NAME}: internal error: ${message}\n`);
    return 1;
  } finally {
    for (const kernel of kernels.reverse()) {
      await kernel.dispose().catch((error) => io.stderr.write(`${NAME}: ${String(error)}\n`));
    }
  }
}
