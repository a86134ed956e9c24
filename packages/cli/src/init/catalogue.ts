/**
 * The LLM command-line tools llm-service knows by name: how to find them, which API-key variables they read, and the
 * tools.yaml entry that runs them. `init` writes these entries; `tools` probes the binaries and offers the entries of
 * installed tools that are not configured yet.
 */

export interface ModelListPrice {
  provider: string;
  input_per_mtok: number;
  output_per_mtok: number;
  cache_read_per_mtok?: number;
  cache_write_per_mtok?: number;
  context_window?: number;
  tier: 'economy' | 'standard' | 'premium';
}

/**
 * List prices in USD per million tokens (prompts up to 200k tokens), checked against the offline price data of
 * @pydantic/genai-prices 0.1.8 on the date below. Local models cost nothing per token.
 */
export const pricesAsOf = '2026-12-01';

export const modelPrices = {
  'claude-opus-4-6': {
    provider: 'anthropic',
    input_per_mtok: 5,
    output_per_mtok: 25,
    cache_read_per_mtok: 0.5,
    cache_write_per_mtok: 6.25,
    context_window: 1_000_000,
    tier: 'premium',
  },
  'claude-sonnet-4-6': {
    provider: 'anthropic',
    input_per_mtok: 3,
    output_per_mtok: 15,
    cache_read_per_mtok: 0.3,
    cache_write_per_mtok: 3.75,
    context_window: 1_000_000,
    tier: 'standard',
  },
  'claude-haiku-4-5': {
    provider: 'anthropic',
    input_per_mtok: 1,
    output_per_mtok: 5,
    cache_read_per_mtok: 0.1,
    cache_write_per_mtok: 1.25,
    context_window: 200_000,
    tier: 'economy',
  },
  'gpt-5.5': {
    provider: 'openai',
    input_per_mtok: 5,
    output_per_mtok: 30,
    cache_read_per_mtok: 0.5,
    context_window: 1_000_000,
    tier: 'premium',
  },
  'gpt-5.4-mini': {
    provider: 'openai',
    input_per_mtok: 0.75,
    output_per_mtok: 4.5,
    cache_read_per_mtok: 0.075,
    context_window: 400_000,
    tier: 'economy',
  },
  'gemini-3.1-pro-preview': {
    provider: 'google',
    input_per_mtok: 2,
    output_per_mtok: 12,
    cache_read_per_mtok: 0.2,
    context_window: 1_048_576,
    tier: 'standard',
  },
  'gemini-3-flash-preview': {
    provider: 'google',
    input_per_mtok: 0.5,
    output_per_mtok: 3,
    cache_read_per_mtok: 0.05,
    context_window: 1_048_576,
    tier: 'economy',
  },
  'qwen2.5-coder:7b': {
    provider: 'ollama',
    input_per_mtok: 0,
    output_per_mtok: 0,
    context_window: 32_768,
    tier: 'economy',
  },
} as const satisfies Record<string, ModelListPrice>;

export type ModelName = keyof typeof modelPrices;

export interface KnownTool {
  /** The tool id init writes and `tools` reports under. */
  id: string;
  /** What the tool is, in a few words. */
  label: string;
  binary: string;
  versionArgs: readonly string[];
  /** API-key variables the tool reads; any one is enough. */
  apiKeys: readonly string[];
  installHint: string;
  /** The models init configures for it, best first. */
  models: readonly ModelName[] | readonly string[];
  /** The tools.yaml entry without `models`, as YAML lines indented under the tool id (two spaces). */
  entry: readonly string[];
  /** A one-line flow mapping for `tools`' "add this line" hint. */
  line: string;
  /**
   * Whether a test checks the flags this entry runs the tool with against the real CLI's --help (for an adapter's
   * entry, the adapter's own test checks the flags it passes).
   */
  flagsChecked: boolean;
}

export const knownTools: readonly KnownTool[] = [
  {
    id: 'claude',
    label: 'Claude Code (Anthropic)',
    binary: 'claude',
    versionArgs: ['--version'],
    apiKeys: ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'],
    installHint: 'npm install -g @anthropic-ai/claude-code',
    models: ['claude-opus-4-6', 'claude-sonnet-4-6', 'claude-haiku-4-5'],
    entry: [
      'adapter: claude # the built-in Claude Code adapter (streams, usage and cost from the tool)',
      'binary: claude',
    ],
    line: 'claude: { adapter: claude, binary: claude, models: [claude-opus-4-6, claude-sonnet-4-6, claude-haiku-4-5] }',
    flagsChecked: true,
  },
  {
    id: 'codex',
    label: 'Codex CLI (OpenAI)',
    binary: 'codex',
    versionArgs: ['--version'],
    apiKeys: ['OPENAI_API_KEY', 'CODEX_API_KEY'],
    installHint: 'npm install -g @openai/codex',
    models: ['gpt-5.5', 'gpt-5.4-mini'],
    entry: [
      'adapter: codex # the built-in Codex CLI adapter (each message as it completes, cached tokens priced once)',
      'binary: codex',
    ],
    line: 'codex: { adapter: codex, binary: codex, models: [gpt-5.5, gpt-5.4-mini] }',
    flagsChecked: true,
  },
  {
    id: 'gemini',
    label: 'Gemini CLI (Google)',
    binary: 'gemini',
    versionArgs: ['--version'],
    apiKeys: ['GEMINI_API_KEY'],
    installHint: 'npm install -g @google/gemini-cli',
    models: ['gemini-3.1-pro-preview', 'gemini-3-flash-preview'],
    entry: [
      'adapter: gemini # the built-in Gemini CLI adapter (streams; cached and thought tokens counted as the API reports them)',
      'binary: gemini',
    ],
    line: 'gemini: { adapter: gemini, binary: gemini, models: [gemini-3.1-pro-preview, gemini-3-flash-preview] }',
    flagsChecked: true,
  },
  {
    id: 'ollama',
    label: 'Ollama (local models)',
    binary: 'ollama',
    versionArgs: ['--version'],
    apiKeys: [],
    installHint: 'see https://ollama.com/download',
    models: ['qwen2.5-coder:7b'],
    entry: [
      "adapter: openai # Ollama's OpenAI-compatible API: `ollama serve` must be running and the model pulled (`ollama pull MODEL`)",
      'base_url: http://127.0.0.1:11434/v1',
    ],
    line: "ollama: { adapter: openai, base_url: 'http://127.0.0.1:11434/v1', models: ['qwen2.5-coder:7b'] }",
    flagsChecked: false,
  },
  {
    id: 'aider',
    label: 'Aider',
    binary: 'aider',
    versionArgs: ['--version'],
    apiKeys: ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY'],
    installHint: 'python -m pip install aider-install && aider-install',
    models: [],
    entry: [],
    line: "aider: { binary: aider, args: [--model, '{{model}}', --message-file, '{{prompt_file}}', --yes-always, --no-git], prompt_via: file, models: [claude-sonnet-4-6] }",
    flagsChecked: false,
  },
  {
    id: 'cursor-agent',
    label: 'Cursor Agent CLI',
    binary: 'cursor-agent',
    versionArgs: ['--version'],
    apiKeys: ['CURSOR_API_KEY'],
    installHint: 'see https://cursor.com/cli',
    models: [],
    entry: [],
    line: "cursor-agent: { binary: cursor-agent, args: [--print, --model, '{{model}}', '{{prompt}}'], prompt_via: arg, models: [claude-sonnet-4-6] }",
    flagsChecked: false,
  },
  {
    id: 'qwen',
    label: 'Qwen Code',
    binary: 'qwen',
    versionArgs: ['--version'],
    apiKeys: ['DASHSCOPE_API_KEY', 'OPENAI_API_KEY'],
    installHint: 'npm install -g @qwen-code/qwen-code',
    models: [],
    entry: [],
    line: "qwen: { binary: qwen, args: [--model, '{{model}}'], prompt_via: stdin, models: [qwen3-coder-plus] }",
    flagsChecked: false,
  },
];

/** API-key variables worth reporting (names only), beyond those of the known tools. */
export const extraApiKeyNames = [
  'AZURE_OPENAI_API_KEY',
  'OPENROUTER_API_KEY',
  'MISTRAL_API_KEY',
  'DEEPSEEK_API_KEY',
  'GROQ_API_KEY',
] as const;

export function knownTool(id: string): KnownTool | undefined {
  return knownTools.find((tool) => tool.id === id);
}
