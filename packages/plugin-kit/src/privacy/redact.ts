/** What replaces a secret in stored text. */
export const redactedMarker = '[REDACTED]';

/**
 * Patterns of credentials that tools echo in error messages. Each keeps its recognisable prefix (so a reader still
 * sees that a key was involved) and replaces the secret part.
 */
const keyedPatterns: readonly [RegExp, string][] = [
  // Authorization headers: "Bearer <token>", "Basic <base64>".
  [/\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9._~+/=-]{8,}/g, `$1$2${redactedMarker}`],
  // key=value, key: value, "key": "value" for names that hold secrets.
  [
    /\b((?:[A-Za-z0-9]+[_-])*(?:api[_-]?key|apikey|access[_-]?key|secret(?:[_-]?key)?|token|password|passwd|authorization)["']?\s*[:=]\s*["']?)(?!\[REDACTED\]|(?:Bearer|Basic|Token)\s|[0-9]+\b)[^\s"',;&]{4,}/gi,
    `$1${redactedMarker}`,
  ],
  // OpenAI / Anthropic style keys: sk-..., sk-ant-..., sk-proj-...
  [/\bsk-[A-Za-z0-9_-]{8,}/g, `sk-${redactedMarker}`],
  // GitHub tokens.
  [/\b(gh[pousr]_|github_pat_)[A-Za-z0-9_]{16,}/g, `$1${redactedMarker}`],
  // GitLab personal, project and group access tokens.
  [/\b(glpat-)[A-Za-z0-9_-]{16,}/g, `$1${redactedMarker}`],
  // Credentials in URLs: scheme://user:password@host keeps the user and host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)[^\s/@]+@/gi, `$1${redactedMarker}@`],
  // Slack tokens.
  [/\b(xox[abposr]-)[A-Za-z0-9-]{8,}/g, `$1${redactedMarker}`],
  // Google API keys.
  [/\bAIza[0-9A-Za-z_-]{30,}/g, `AIza${redactedMarker}`],
  // AWS access key ids.
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, `$1${redactedMarker}`],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}/g, redactedMarker],
  // Long hexadecimal strings (32+ digits: keys, session secrets, hashes of secrets).
  [/\b[0-9a-fA-F]{32,}\b/g, redactedMarker],
];

/** Long base64-like runs; redacted only when they look random (mixed case and digits, few slashes). */
const longTokenPattern = /[A-Za-z0-9+/_=-]{32,}/g;

/**
 * A name that starts with a UTC date and time, such as a task's id (`2026-12-01T0930-writer-draft-the-notes`), as the
 * last segment of a run: mixed case and digits, but no key or token starts like that.
 */
const timestampedName = /(?:^|\/)\d{4}-\d{2}-\d{2}T\d{4}-[A-Za-z0-9._-]*$/;

function looksRandom(token: string): boolean {
  if (token.includes(redactedMarker) || timestampedName.test(token)) return false;
  const slashes = token.split('/').length - 1;
  return slashes <= 2 && /[a-z]/.test(token) && /[A-Z]/.test(token) && /[0-9]/.test(token);
}

/** Replaces anything that looks like a key or token with `[REDACTED]`; used on every message before it is stored. */
export function redactSecrets(text: string): string {
  let result = text;
  for (const [pattern, replacement] of keyedPatterns) result = result.replace(pattern, replacement);
  return result.replace(longTokenPattern, (token) => (looksRandom(token) ? redactedMarker : token));
}
