/** What the user can do about each failure codex reports, shown when the request fails on it. */
export const codexHints = {
  notLoggedIn: 'codex is not logged in: run `codex login` or set OPENAI_API_KEY',
  refused:
    'codex’s credentials were refused: run `codex login` again, or set a valid OPENAI_API_KEY (`llm-service tools` shows which credentials it finds)',
  'rate-limit':
    'codex is rate-limited: wait until the limit resets, or add a fallback_chain entry on another tool',
  planLimit:
    'the Codex usage of your ChatGPT plan is used up until the time shown (see https://chatgpt.com/codex/settings/usage); add a fallback_chain entry on another tool to keep working',
  quota:
    'the OpenAI account codex uses is out of credit: add credit in the OpenAI billing settings, or add a fallback_chain entry on another tool',
  overloaded:
    'the OpenAI API is overloaded or failing: try again in a minute, or add a fallback_chain entry on another tool',
  'context-too-long':
    'the prompt does not fit the model’s context window: shorten it, or route the agent to a model with a larger one',
  timeout: 'raise the tool’s timeout_s if codex needs longer, or check that it can reach its API',
  truncated:
    'the API’s answer broke off mid-stream after codex’s own retries: try again, or add a fallback_chain entry on another tool',
  notInstalled: 'install the Codex CLI: npm i -g @openai/codex',
  version:
    'check that the installed Codex CLI takes these flags: `codex --version` should be 0.169 or later (`codex exec --help` lists them)',
} as const;
