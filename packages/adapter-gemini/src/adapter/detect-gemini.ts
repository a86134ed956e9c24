import { join } from 'node:path';
import { lazySchema, z, type DetectResult, type ToolConfig } from '@llm-service/spec';
import {
  credentialNames,
  detectInstalledTool,
  parseVersion,
  readJsonSettings,
  type Environment,
} from '@llm-service/plugin-kit';
import type { GeminiTool } from './settings.js';
import { geminiChildEnvironment, installHint } from './tool-environment.js';

/** Environment variables the Gemini CLI authenticates with. */
export const credentialVariables = [
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_CLOUD_PROJECT',
] as const;

/** The part of gemini's settings.json detection reads: which auth method is selected. */
const authSettingsSchema = lazySchema(() =>
  z.looseObject({
    security: z
      .looseObject({ auth: z.looseObject({ selectedType: z.string().optional() }).optional() })
      .optional(),
  }),
);

/** The kit's version parser (`0.61.0` → `0.61.0`), exported where detection has always exported it. */
export { parseVersion };

/** gemini's user settings file: `$GEMINI_CLI_HOME/.gemini/settings.json`, else under HOME. */
export function userSettingsPath(env: Environment): string | undefined {
  const home = env.GEMINI_CLI_HOME || env.HOME;
  return home ? join(home, '.gemini', 'settings.json') : undefined;
}

/**
 * The auth method gemini's user settings select (`security.auth.selectedType`), or undefined. gemini reads the file as
 * JSON with comments: whole-line `//` comments are dropped before parsing; a file that still does not parse selects
 * nothing here (gemini would report it itself).
 */
export function selectedAuthType(env: Environment): string | undefined {
  return readJsonSettings(userSettingsPath(env), authSettingsSchema, { lineComments: true })?.security?.auth
    ?.selectedType;
}

/** Names of the credential sources gemini would use (and of the tool's `env_required` that are set), never values. */
export function presentCredentials(tool: ToolConfig, env: Environment): string[] {
  const selected = selectedAuthType(env);
  return credentialNames(
    tool,
    env,
    credentialVariables,
    selected === undefined ? [] : [`settings auth: ${selected}`],
  );
}

/** Why gemini cannot authenticate as configured, or undefined when it looks usable. */
export function authProblem(env: Environment): string | undefined {
  const selected = selectedAuthType(env);
  switch (selected) {
    case undefined:
      return 'no auth method selected: add {"security":{"auth":{"selectedType":"gemini-api-key"}}} to ~/.gemini/settings.json and set GEMINI_API_KEY';
    case 'gemini-api-key':
      return env.GEMINI_API_KEY ? undefined : 'GEMINI_API_KEY is not set (API-key auth is selected)';
    case 'oauth-personal':
      return env.GOOGLE_CLOUD_PROJECT
        ? undefined
        : 'Google sign-in is selected, which Gemini CLI no longer serves for individual accounts: set GEMINI_API_KEY and select gemini-api-key';
    case 'vertex-ai':
      return env.GOOGLE_API_KEY || (env.GOOGLE_CLOUD_PROJECT && env.GOOGLE_CLOUD_LOCATION)
        ? undefined
        : 'Vertex AI is selected: set GOOGLE_API_KEY, or GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION';
    default:
      return undefined;
  }
}

/** What `llm-service tools` shows: whether gemini is there, its version, and which auth it would use. */
export async function detectGemini(
  tool: GeminiTool,
  context: { configDir: string; env: Environment },
): Promise<DetectResult> {
  const env = geminiChildEnvironment(context.env, tool);
  return detectInstalledTool(
    tool,
    { configDir: context.configDir, env },
    {
      credentials: presentCredentials(tool, env),
      problem: authProblem(env),
      installHint,
      parseVersion,
    },
  );
}
