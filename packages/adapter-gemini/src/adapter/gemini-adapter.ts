import { toolAdapter } from '@llm-service/plugin-kit';
import { GEMINI_ADAPTER_ID, type GeminiAgentOptions } from '../config/gemini-schema.js';
import { detectGemini } from './detect-gemini.js';
import { runInvocation } from './run-invocation.js';
import type { GeminiTool } from './settings.js';

/**
 * The adapter that runs the Gemini CLI headless (`gemini --output-format stream-json`), streaming its answer. The
 * plugin registers it through `lazyAdapter`, so this module loads when a gemini tool is first detected or run.
 */
export const geminiAdapter = toolAdapter<GeminiTool, GeminiAgentOptions>({
  id: GEMINI_ADAPTER_ID,
  detect: detectGemini,
  run: runInvocation,
});
