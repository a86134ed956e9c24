import type { ToolConfig } from '@llm-service/spec';

/**
 * The adapter's settings as plain interfaces. They are written out (rather than inferred from the zod schema) so
 * the published `.d.ts` names only `@llm-service/spec` and never `zod`, which is the spec's dependency, not ours.
 * tool-schema.ts asserts at compile time that these stay identical to what the schema produces.
 */

export type PromptDelivery = 'stdin' | 'arg' | 'file';
export type OutputFormat = 'text' | 'json' | 'jsonl';
export type OutputSource = 'stdout' | 'file';
export type ErrorPatternKind = 'auth' | 'rate-limit' | 'overloaded' | 'plan-limit' | 'context-too-long';

export interface OutputSettings {
  format: OutputFormat;
  source: OutputSource;
  /** Dot paths into the tool's JSON; `*` matches every element or value at its level. */
  text?: string | undefined;
  input_tokens?: string | undefined;
  output_tokens?: string | undefined;
  cache_read_tokens?: string | undefined;
  cache_write_tokens?: string | undefined;
  cost_usd?: string | undefined;
  model?: string | undefined;
  session_id?: string | undefined;
}

export interface GenericYamlToolSettings {
  args: string[];
  prompt_via: PromptDelivery;
  output: OutputSettings;
  error_patterns?: Partial<Record<ErrorPatternKind, string[] | undefined>> | undefined;
  version_args: string[];
}

/**
 * A tools.yaml entry with this adapter as the kernel hands it over: the core keys and this adapter's, validated once,
 * at load, through `genericYamlToolSchema` (its cross-field checks included).
 */
export type GenericYamlTool = ToolConfig & GenericYamlToolSettings;
