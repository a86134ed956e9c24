import type { ToolConfig } from '@llm-service/spec';
import type { GeminiToolSettings } from '../config/gemini-schema.js';

/**
 * A tools.yaml entry with `adapter: gemini` as the kernel hands it over: validated once, at load, through
 * `geminiToolSchema`, so its `retry` is this adapter's (with `same_tool`) and nothing needs parsing again.
 */
export type GeminiTool = ToolConfig & GeminiToolSettings;
