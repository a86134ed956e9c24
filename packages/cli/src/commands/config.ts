import { configFileNames } from '@llm-service/spec';
import { readConfigSources, TrustStoreFile } from '@llm-service/core';
import type { CliContext } from '../program.js';
import { kernelFor } from './kernel-for.js';

export async function runConfigValidate(
  options: { configDir?: string },
  context: CliContext,
): Promise<number> {
  const kernel = kernelFor(options, context);
  const config = await kernel.config();
  const plugins = await kernel.plugins();
  const count = (record: object) => Object.keys(record).length;
  context.io.stdout.write(
    `config OK: ${config.dir} (${count(config.agents)} agents, ${count(config.tools)} tools, ${count(config.models)} models; ` +
      `${plugins.length} plugins)\n`,
  );
  return 0;
}

/** Prints the files as written: `${VAR}` references stay references, so no secret is ever shown. */
export async function runConfigShow(options: { configDir?: string }, context: CliContext): Promise<number> {
  const location = kernelFor(options, context).configLocation();
  const sources = readConfigSources(location.dir, location.source, context.io.cwd);
  context.io.stdout.write(`# config directory: ${location.dir} (${location.source})\n`);
  for (const name of Object.values(configFileNames)) {
    const source = sources.files.get(name);
    if (!source) continue;
    context.io.stdout.write(
      `\n# --- ${name} ---\n${source.text.endsWith('\n') ? source.text : `${source.text}\n`}`,
    );
  }
  return 0;
}

export async function runConfigTrust(options: { configDir?: string }, context: CliContext): Promise<number> {
  const location = kernelFor(options, context).configLocation();
  const sha256 = new TrustStoreFile(context.io.env).trust(location.dir);
  context.io.stdout.write(
    `trusted ${location.dir} (sha256 ${sha256.slice(0, 12)}); editing its files needs trusting again\n`,
  );
  return 0;
}
