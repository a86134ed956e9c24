import type { DetectResult } from '@llm-service/spec';
import { describeMissingCredentials, missingCredentials, type Environment } from '@llm-service/plugin-kit';
import { apiKeyOf, endpointUrl, requestHeaders, secretRedactor } from '../http/endpoint.js';
import { modelListSchema } from '../stream/wire-schemas.js';
import { networkCode } from './classify-failure.js';
import type { OpenAITool } from './settings.js';

/** `llm-service tools` waits for every tool at once: a server that does not answer must not hold the list up. */
export const detectTimeoutMs = 3_000;
/** How many of the server's models a problem names (OpenRouter lists hundreds). */
const modelsNamed = 8;

/**
 * What `llm-service tools` shows for an HTTP tool: `installed` means the server answered `GET {base_url}/models`;
 * `problem` says when the key is missing or refused, or when a configured model is not among those it lists. No
 * model runs and nothing is spent.
 */
export async function detectOpenAI(tool: OpenAITool, context: { env: Environment }): Promise<DetectResult> {
  const apiKey = apiKeyOf(tool, context.env);
  const redact = secretRedactor(tool, apiKey);
  const credentials = [
    ...(apiKey === undefined || tool.api_key_env === undefined ? [] : [tool.api_key_env]),
    ...tool.env_required.filter((name) => Boolean(context.env[name]) && name !== tool.api_key_env),
  ];
  const missing = [
    ...(tool.api_key_env !== undefined && apiKey === undefined ? [tool.api_key_env] : []),
    ...missingCredentials(tool, context.env).filter((name) => name !== tool.api_key_env),
  ];
  const found = { path: tool.base_url, credentials };
  let response: Response;
  try {
    response = await fetch(endpointUrl(tool, 'models'), {
      headers: requestHeaders(tool, apiKey, { accept: 'application/json' }),
      signal: AbortSignal.timeout(detectTimeoutMs),
    });
  } catch (error) {
    const reason =
      error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
        ? `no answer within ${detectTimeoutMs / 1000} s`
        : redact(networkCode(error) ?? 'unreachable');
    return { installed: false, ...found, problem: `nothing answered at ${tool.base_url} (${reason})` };
  }
  const body = await response.text().catch(() => '');
  const problems: string[] = [];
  if (missing.length > 0) problems.push(describeMissingCredentials(missing));
  if (response.status === 401 || response.status === 403) {
    problems.push(
      tool.api_key_env === undefined
        ? `the server wants a key (HTTP ${response.status}): set api_key_env`
        : `the server refused the key in ${tool.api_key_env} (HTTP ${response.status})`,
    );
  } else if (!response.ok) {
    problems.push(`GET ${endpointUrl(tool, 'models')} answered HTTP ${response.status}`);
  } else {
    const listed = listedModels(body);
    if (listed === undefined) {
      problems.push(
        `GET ${endpointUrl(tool, 'models')} did not answer with a model list: is base_url the API root?`,
      );
    } else {
      const absent = tool.models.filter((model) => !listed.includes(model));
      if (absent.length > 0) {
        const shown = listed.slice(0, modelsNamed).join(', ');
        const more = listed.length > modelsNamed ? `, and ${listed.length - modelsNamed} more` : '';
        problems.push(
          `not listed by the server: ${absent.join(', ')} (it lists ${listed.length === 0 ? 'none' : `${shown}${more}`})`,
        );
      }
    }
  }
  return { installed: true, ...found, ...(problems.length === 0 ? {} : { problem: problems.join('; ') }) };
}

function listedModels(body: string): string[] | undefined {
  try {
    const parsed = modelListSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data.data.map((model) => model.id) : undefined;
  } catch {
    return undefined;
  }
}
