import { configFileNames, type ConfigCheckProblem, type ResolvedConfig } from '@llm-service/spec';
import { crossFieldProblems } from './cross-field-checks.js';
import { genericYamlAdapterId, genericYamlToolFieldsSchema } from './tool-schema.js';

/**
 * The plugin's whole-config check. Core validates a tool entry against the merged field shapes only, so the checks
 * that relate several keys of one entry run here, with paths into tools.yaml for precise error locations.
 */
export function checkGenericYamlTools(config: ResolvedConfig): ConfigCheckProblem[] {
  const problems: ConfigCheckProblem[] = [];
  for (const [toolId, tool] of Object.entries(config.tools)) {
    if (tool.adapter !== genericYamlAdapterId) continue;
    const parsed = genericYamlToolFieldsSchema.safeParse(tool);
    // Field errors were already reported by core's own pass over the same schema.
    if (!parsed.success) continue;
    for (const problem of crossFieldProblems(parsed.data)) {
      problems.push({
        file: configFileNames.tools,
        path: ['tools', toolId, ...problem.path],
        message: problem.message,
        suggestion: problem.suggestion,
      });
    }
  }
  return problems;
}
