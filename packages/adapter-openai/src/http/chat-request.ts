import type { OpenAIAgentOptions } from '../config/openai-schema.js';

/** The request body of `POST /chat/completions`, as OpenAI documents it; servers that copy the API read the same. */
export interface ChatRequestBody {
  model: string;
  messages: { role: 'system' | 'user'; content: string }[];
  stream: true;
  /** Asks for a last chunk with the usage: without it, a streamed answer reports none. */
  stream_options: { include_usage: true };
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string[];
  seed?: number;
}

/** One user message with the prompt, after the agent's system prompt when it has one. */
export function chatRequestBody(model: string, prompt: string, options: OpenAIAgentOptions): ChatRequestBody {
  const { system_prompt: systemPrompt, ...parameters } = options;
  return {
    model,
    messages: [
      ...(systemPrompt === undefined ? [] : [{ role: 'system' as const, content: systemPrompt }]),
      { role: 'user', content: prompt },
    ],
    stream: true,
    stream_options: { include_usage: true },
    ...parameters,
  };
}
