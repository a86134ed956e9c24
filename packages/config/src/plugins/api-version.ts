import { PLUGIN_API_VERSION, PluginError, type PluginDefinition } from '@llm-service/spec';

/** `^MAJOR.MINOR.PATCH` with a major of 1 or more, the form plugins state, written as semver writes numbers. */
const caretRange = /^\^([1-9]\d{0,14})\.(0|[1-9]\d{0,14})\.(0|[1-9]\d{0,14})$/;

type Verdict = 'satisfied' | 'unsatisfied' | 'invalid';

const [apiMajor = 0, apiMinor = 0, apiPatch = 0] = PLUGIN_API_VERSION.split('.').map(Number);

/**
 * Refuses a plugin written for another plugin API, in one line naming it. A caret range is judged here: semver's
 * `^1.4.0` is `>=1.4.0 <2.0.0-0`, and the API's version has no prerelease. Any other range is left to semver, loaded
 * only then: loading it and parsing the built-in plugins' ranges took about 3 ms of every start (its module builds
 * some forty regular expressions), though every built-in plugin states a caret range.
 */
export async function checkApiVersion(plugin: PluginDefinition): Promise<void> {
  const verdict = caretVerdict(plugin.apiVersion) ?? (await semverVerdict(plugin.apiVersion));
  if (verdict === 'invalid')
    throw new PluginError(
      plugin.name,
      `has an invalid apiVersion '${plugin.apiVersion}'`,
      'use a semver range such as ^1.0.0',
    );
  if (verdict === 'unsatisfied')
    throw new PluginError(
      plugin.name,
      `needs plugin API ${plugin.apiVersion}, but this core provides ${PLUGIN_API_VERSION}`,
      'install a version of the plugin built for this release of llm-service',
    );
}

function caretVerdict(range: string): Verdict | undefined {
  const wanted = caretRange.exec(range)?.slice(1).map(Number);
  if (!wanted) return undefined;
  const [major = 0, minor = 0, patch = 0] = wanted;
  const satisfied = apiMajor === major && (apiMinor > minor || (apiMinor === minor && apiPatch >= patch));
  return satisfied ? 'satisfied' : 'unsatisfied';
}

async function semverVerdict(range: string): Promise<Verdict> {
  // The two functions alone: semver's index loads every function and range helper it has.
  const [{ default: validRange }, { default: satisfies }] = await Promise.all([
    import('semver/ranges/valid.js'),
    import('semver/functions/satisfies.js'),
  ]);
  if (!validRange(range)) return 'invalid';
  return satisfies(PLUGIN_API_VERSION, range) ? 'satisfied' : 'unsatisfied';
}
