const reference = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface InterpolationProblem {
  path: PropertyKey[];
  variable: string;
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string value (never in keys); `$$` is a literal `$`.
 * As in the shell, `:-` also applies when the variable is set but empty.
 */
export function interpolateEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: InterpolationProblem[],
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('$')) return value;
    return value.replace(reference, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      const variable = name ?? '';
      const current = env[variable];
      if (current !== undefined && current !== '') return current;
      if (fallback !== undefined) return fallback;
      if (current === '') return '';
      problems.push({ path, variable });
      return match;
    });
  }
  if (Array.isArray(value))
    return value.map((item, index) => interpolateEnv(item, env, problems, [...path, index]));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      result[key] = interpolateEnv(item, env, problems, [...path, key]);
    }
    return result;
  }
  return value;
}
