import { configFileNames } from '@llm-service/spec';
import { locate, toPlainValue } from '@llm-service/plugin-kit';
import type { ConfigSources } from '../files/read-config-files.js';
import { interpolateEnv, type InterpolationProblem } from '../files/interpolate-env.js';
import { isPlainObject } from '../validation/plain-values.js';

/**
 * The `plugins:` list of llm-service.yaml, read before plugins load (their schemas are needed to validate the rest),
 * with `${VAR}` references resolved as in the validated config. Problems in the list are reported by `resolveConfig`.
 */
export function readPluginSpecifiers(
  sources: ConfigSources,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  return locatePluginSpecifiers(sources, env).map((entry) => entry.specifier);
}

/** The plugins named in llm-service.yaml, each with where it is named (`file:line:column`), for errors about it. */
export function locatePluginSpecifiers(
  sources: ConfigSources,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { specifier: string; where: string }[] {
  const settings = sources.files.get(configFileNames.settings);
  if (!settings || settings.hasSyntaxErrors) return [];
  const plain = toPlainValue(settings);
  const list = isPlainObject(plain.value) ? plain.value.plugins : undefined;
  if (!Array.isArray(list)) return [];
  const specifiers: { specifier: string; where: string }[] = [];
  for (const [index, item] of list.entries()) {
    if (typeof item !== 'string') continue;
    const problems: InterpolationProblem[] = [];
    const specifier = interpolateEnv(item, env, problems);
    // An unset variable is reported by resolveConfig at its line; loading `${VAR}/x.js` literally would only hide it.
    if (problems.length === 0 && typeof specifier === 'string' && specifier.length > 0) {
      const { line, column } = locate(settings, ['plugins', index]);
      specifiers.push({ specifier, where: `${settings.displayPath}:${line}:${column}` });
    }
  }
  return specifiers;
}
