import type { ToolConfig } from '@llm-service/spec';
import type { OpenAIToolSettings } from '../config/openai-schema.js';

/**
 * A tools.yaml entry with `adapter: openai` as the kernel hands it over: validated once, at load, through
 * `openaiToolSchema` merged with core's keys, so nothing needs parsing again.
 */
export type OpenAITool = ToolConfig & OpenAIToolSettings;
