import type { CliContext } from '../program.js';
import { kernelFor } from './kernel-for.js';

export async function runPlugins(
  options: { configDir?: string; json?: boolean },
  context: CliContext,
): Promise<number> {
  const kernel = kernelFor(options, context);
  const plugins = await kernel.plugins();
  const adapters = await kernel.adapters();
  const rows = plugins.map((plugin) => ({
    name: plugin.name,
    version: plugin.version,
    apiVersion: plugin.apiVersion,
    adapters: Object.keys(plugin.configSchema?.tools ?? {}).filter((id) => adapters.has(id)),
    commands: (plugin.commands ?? []).map((command) => command.name),
  }));
  if (options.json) {
    context.io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  for (const row of rows) {
    const extras = [
      row.adapters.length > 0 ? `adapters: ${row.adapters.join(', ')}` : '',
      row.commands.length > 0 ? `commands: ${row.commands.join(', ')}` : '',
    ].filter(Boolean);
    context.io.stdout.write(
      `${row.name}@${row.version} (plugin API ${row.apiVersion})${extras.length ? `  ${extras.join('; ')}` : ''}\n`,
    );
  }
  return 0;
}
