import { AdapterError, type ToolConfig } from '@llm-service/spec';
import { genericYamlToolSchema, type GenericYamlToolSettings } from '../config/tool-schema.js';

/**
 * Reads this adapter's keys from a tool entry. The kernel hands over entries its config loader already validated,
 * so this normally just types them; it also re-runs the cross-field checks, which guards library callers that
 * build a ToolConfig by hand.
 */
export function readToolSettings(toolId: string, tool: ToolConfig): GenericYamlToolSettings {
  const parsed = genericYamlToolSchema.safeParse(tool);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${issue.message} (at ${path})` : issue.message;
  });
  // A tool-error keeps its default fallback: another candidate may be configured correctly.
  throw new AdapterError('tool-error', `tools.yaml entry '${toolId}' is invalid: ${problems.join('; ')}`);
}
