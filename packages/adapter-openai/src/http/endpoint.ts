import { redactSecrets, redactedMarker, type Environment } from '@llm-service/plugin-kit';
import type { OpenAITool } from '../adapter/settings.js';

/** `{base_url}/chat/completions`, `{base_url}/models`: OpenAI's clients append paths to the API root the same way. */
export function endpointUrl(tool: Pick<OpenAITool, 'base_url'>, path: 'chat/completions' | 'models'): string {
  return `${tool.base_url.replace(/\/+$/, '')}/${path}`;
}

/** The key from the variable `api_key_env` names; undefined when none is configured or it is empty. */
export function apiKeyOf(tool: Pick<OpenAITool, 'api_key_env'>, env: Environment): string | undefined {
  if (tool.api_key_env === undefined) return undefined;
  const key = env[tool.api_key_env];
  return key === undefined || key === '' ? undefined : key;
}

/** The tool's extra headers, then the key as a bearer token (the schema refuses an authorization header beside it). */
export function requestHeaders(
  tool: Pick<OpenAITool, 'headers'>,
  apiKey: string | undefined,
  own: Record<string, string>,
): Record<string, string> {
  return {
    ...tool.headers,
    ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
    ...own,
  };
}

/** Shorter values are too likely to occur in ordinary text (`1`, `json`) to be struck from messages. */
const shortestSecret = 6;

/**
 * Removes the key and the extra header values (which may hold a key of another scheme, `api-key: …`) from text the
 * server sent before it reaches a message or detail: a server may echo what it was sent ("Incorrect API key
 * provided: …"). Literal values first, since a key of any shape must go; then `redactSecrets` for anything else that
 * looks like a credential.
 */
export function secretRedactor(
  tool: Pick<OpenAITool, 'headers'>,
  apiKey: string | undefined,
): (text: string) => string {
  const secrets = [apiKey, ...Object.values(tool.headers)]
    .filter((value): value is string => value !== undefined && value.length >= shortestSecret)
    // Longest first, so a value containing another is struck whole.
    .sort((a, b) => b.length - a.length);
  return (text) =>
    redactSecrets(secrets.reduce((redacted, secret) => redacted.replaceAll(secret, redactedMarker), text));
}
