import type { ToolAdapterV1 } from '@llm-service/spec';
import { invocationObservable } from '@llm-service/plugin-kit';
import { genericYamlAdapterId } from '../config/tool-schema.js';
import type { GenericYamlTool } from '../config/tool-settings-types.js';
import { detectTool } from './detect-tool.js';
import { runInvocation } from './run-invocation.js';

/** The adapter that runs any CLI described by its tools.yaml entry (argv template, prompt delivery, output paths). */
export function createGenericYamlAdapter(): ToolAdapterV1<GenericYamlTool> {
  return {
    specificationVersion: 'v1',
    id: genericYamlAdapterId,
    detect: (tool, context) => detectTool(tool, context),
    // Plain text, or JSON with no usage path, reports no usage: the kernel's estimator counts it.
    reportsUsage: (tool) =>
      tool.output.format !== 'text' &&
      [tool.output.input_tokens, tool.output.output_tokens].some((path) => path !== undefined),
    invoke: (request, signal) =>
      invocationObservable(signal, (runSignal, onText) => runInvocation(request, runSignal, onText)),
  };
}
