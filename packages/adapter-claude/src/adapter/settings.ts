import type { ToolConfig } from '@llm-service/spec';
import type { ClaudeToolSettings } from '../config/claude-schema.js';

/**
 * A tools.yaml entry with `adapter: claude` as the kernel hands it over: validated once, at load, through
 * `claudeToolSchema`, so its `retry` is this adapter's (with `same_tool`) and nothing needs parsing again.
 */
export type ClaudeTool = ToolConfig & ClaudeToolSettings;
