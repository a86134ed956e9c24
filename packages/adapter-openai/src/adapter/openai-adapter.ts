import { toolAdapter } from '@llm-service/plugin-kit';
import { OPENAI_ADAPTER_ID, type OpenAIAgentOptions } from '../config/openai-schema.js';
import { detectOpenAI } from './detect-openai.js';
import { runChat } from './run-chat.js';
import type { OpenAITool } from './settings.js';

/**
 * The adapter for OpenAI-compatible Chat Completions APIs (OpenAI, Ollama, vLLM, LM Studio, OpenRouter): streams the
 * answer over server-sent events and reads the usage the server reports. Unsubscribing aborts the run's signal, which
 * ends the fetch and its connection. The plugin registers it through `lazyAdapter`, so this module loads when an
 * openai tool is first detected or run.
 */
export const openaiAdapter = toolAdapter<OpenAITool, OpenAIAgentOptions>({
  id: OPENAI_ADAPTER_ID,
  detect: detectOpenAI,
  run: runChat,
});
