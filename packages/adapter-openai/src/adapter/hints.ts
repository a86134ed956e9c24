import type { OpenAITool } from './settings.js';

/** What a hint needs to name: the tool, where it is, and where its key comes from. */
export interface HintContext {
  toolId: string;
  tool: Pick<OpenAITool, 'base_url' | 'api_key_env' | 'retry'>;
  model: string;
  timeoutMs: number;
}

/** What the user can do about each failure, shown when the request fails on it. */
export const openaiHints = {
  auth: ({ toolId, tool }: HintContext) =>
    tool.api_key_env === undefined
      ? `the server at ${tool.base_url} wants a key: set tools.${toolId}.api_key_env to the name of the variable that holds it`
      : `the server at ${tool.base_url} refused the key in ${tool.api_key_env}: set it to a valid key (\`llm-service tools\` checks it)`,
  missingKey: ({ toolId, tool }: HintContext) =>
    `set ${tool.api_key_env ?? 'the key variable'} to the API key for ${tool.base_url} (tools.${toolId}.api_key_env names it), or remove api_key_env for a server that needs no key`,
  planLimit: ({ tool }: HintContext) =>
    `the account behind ${tool.api_key_env ?? 'this server'} has no quota or credit left at ${tool.base_url}: add credit or raise its limit, or add a fallback_chain entry on another tool`,
  rateLimit: ({ toolId, tool }: HintContext, resetsAt: string | undefined) =>
    `${resetsAt === undefined ? 'wait a little' : `wait until ${resetsAt}`}${
      tool.retry.max === 0 ? ` (or set tools.${toolId}.retry.max to let llm-service wait and retry)` : ''
    }, or add a fallback_chain entry on another tool`,
  overloaded: ({ tool }: HintContext) =>
    `the server at ${tool.base_url} failed or is busy: try again in a minute, or add a fallback_chain entry on another tool`,
  contextTooLong: ({ model }: HintContext) =>
    `the prompt does not fit ${model}'s context window: shorten the prompt or its context files, route to a model with a larger window (fallback_chain), or load the model with a longer context (Ollama: num_ctx; vLLM: --max-model-len)`,
  notFound: ({ tool, model }: HintContext) =>
    `check that ${model} is served at ${tool.base_url} (GET ${tool.base_url.replace(/\/+$/, '')}/models lists them; Ollama: ollama pull ${model}) and that base_url is the API root, usually ending in /v1`,
  unreachable: ({ toolId, tool }: HintContext) =>
    `nothing answered at ${tool.base_url}: start the server (Ollama: \`ollama serve\`; vLLM: \`vllm serve\`) or correct tools.${toolId}.base_url`,
  badOutput: ({ tool }: HintContext) =>
    `the server at ${tool.base_url} did not answer as an OpenAI-compatible Chat Completions API: check that base_url is the API root (usually ending in /v1)`,
  timeout: ({ toolId, timeoutMs }: HintContext) =>
    `the answer did not finish within ${timeoutMs / 1000} s: raise tools.${toolId}.timeout_s, or ask for a shorter answer (adapter_options.openai.max_tokens)`,
} as const;
