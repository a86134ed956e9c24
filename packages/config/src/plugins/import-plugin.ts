import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lazySchema, z } from '@llm-service/spec';
import { PluginError, type PluginDefinition } from '@llm-service/spec';
import { importModule } from '@llm-service/plugin-kit';

const pluginShape = lazySchema(() =>
  z.object({
    name: z.string().min(1),
    version: z.string().min(1),
    apiVersion: z.string().min(1),
    register: z.custom<PluginDefinition['register']>(
      (value) => typeof value === 'function',
      'register must be a function',
    ),
    dispose: z
      .custom<NonNullable<PluginDefinition['dispose']>>((value) => typeof value === 'function')
      .optional(),
    provides: z.array(z.symbol()).optional(),
    requires: z.array(z.symbol()).optional(),
    commands: z
      .array(z.object({ name: z.string(), run: z.custom((value) => typeof value === 'function') }).loose())
      .optional(),
    configSchema: z.object({}).loose().optional(),
  }),
);

/** Checks a plugin module's default export has the shape of the plugin API, naming the plugin if not. */
export function validatePluginDefinition(specifier: string, value: unknown): PluginDefinition {
  const parsed = pluginShape.loose().safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'default export';
    throw new PluginError(
      specifier,
      `is not a valid plugin (${field}: ${issue?.message ?? 'invalid'})`,
      'its default export must be the result of definePlugin({ name, version, apiVersion, register })',
    );
  }
  return value as PluginDefinition;
}

/**
 * Resolves a `plugins:` entry from the config directory: relative paths against it, package names through Node's ESM
 * resolution from there (Node 20's `import.meta.resolve` ignores its parent argument; `createRequire` cannot resolve
 * packages that export only an `import` condition).
 */
export async function resolvePluginUrl(specifier: string, configDir: string): Promise<string> {
  if (specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier)) {
    return pathToFileURL(resolvePath(configDir, specifier)).href;
  }
  try {
    // Loaded only when a config names a plugin package: most runs never need it.
    const { resolve: resolveModule } = await import('import-meta-resolve');
    return resolveModule(specifier, pathToFileURL(join(configDir, 'llm-service.yaml')).href);
  } catch (error) {
    throw new PluginError(
      specifier,
      `cannot be found from ${configDir}`,
      `install it there (npm install ${specifier}) or fix the name in llm-service.yaml`,
      error,
    );
  }
}

export async function importPlugin(specifier: string, configDir: string): Promise<PluginDefinition> {
  const url = await resolvePluginUrl(specifier, configDir);
  let module: { default?: unknown };
  try {
    module = (await importModule(url)) as { default?: unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new PluginError(
      specifier,
      `failed to load: ${reason}`,
      'check the path in llm-service.yaml and that the plugin is built',
      error,
    );
  }
  return validatePluginDefinition(specifier, module.default);
}
