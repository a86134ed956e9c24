import type { ToolConfig } from '@llm-service/spec';
import type { CodexToolSettings } from '../config/codex-schema.js';

/**
 * A tools.yaml entry with `adapter: codex` as the kernel hands it over: validated once, at load, through
 * `codexToolSchema`, so its `retry` is this adapter's (with `same_tool`) and nothing needs parsing again.
 */
export type CodexTool = ToolConfig & CodexToolSettings;
