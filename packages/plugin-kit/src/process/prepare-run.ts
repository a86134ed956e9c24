import { AdapterError, type ToolConfig } from '@llm-service/spec';
import {
  assertWorkingDirectory,
  credentialsError,
  locateBinary,
  missingCredentials,
  workingDirectory,
  type Environment,
} from '../environment/tool-checks.js';

/** Where a CLI tool runs: checked before anything starts. */
export interface PreparedRun {
  binaryPath: string;
  cwd: string;
}

/**
 * The checks every CLI adapter makes before it spawns its tool, in this order: the binary (on the child's PATH), the
 * tool's `env_required`, its working directory. Each fails as the AdapterError the kernel acts on (`not-installed`,
 * `auth`, `tool-error`) before any process exists. `notInstalledHint` becomes the error's `hint`.
 */
export function prepareRun(
  request: { tool: ToolConfig; toolId: string; configDir: string },
  env: Environment,
  hints: { installHint?: string; notInstalledHint?: string } = {},
): PreparedRun {
  let binaryPath: string;
  try {
    binaryPath = locateBinary(request.tool, request.configDir, env, hints.installHint);
  } catch (error) {
    if (
      hints.notInstalledHint !== undefined &&
      error instanceof AdapterError &&
      error.kind === 'not-installed'
    )
      throw new AdapterError(error.kind, error.message, { hint: hints.notInstalledHint });
    throw error;
  }
  const missing = missingCredentials(request.tool, env);
  if (missing.length > 0) throw credentialsError(missing);
  const cwd = workingDirectory(request.tool, request.configDir);
  assertWorkingDirectory(cwd, request.toolId);
  return { binaryPath, cwd };
}

/** A run cancelled before its tool started, or after it ended without a verdict of its own, ends as `cancelled`. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new AdapterError('cancelled', 'cancelled');
}
