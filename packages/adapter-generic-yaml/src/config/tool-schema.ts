import { lazySchema, z } from '@llm-service/spec';
import { suggestName } from '@llm-service/plugin-kit';
import { parseDotPath } from '../output/dot-path.js';
import { formatPlaceholder, isPlaceholderName, placeholderNames, placeholdersIn } from './placeholders.js';
import { crossFieldProblems } from './cross-field-checks.js';
import type { GenericYamlToolSettings } from './tool-settings-types.js';

export type {
  ErrorPatternKind,
  GenericYamlToolSettings,
  OutputSettings,
  PromptDelivery,
} from './tool-settings-types.js';

/** The adapter id tools name in `adapter:`; also the default adapter of tools.yaml. */
export const genericYamlAdapterId = 'generic-yaml';

export const promptDeliveries = ['stdin', 'arg', 'file'] as const;
export const outputFormats = ['text', 'json', 'jsonl'] as const;
export const outputSources = ['stdout', 'file'] as const;

/** The output keys that are dot paths into the tool's JSON, in the order they are documented. */
export const outputPathKeys = [
  'text',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cost_usd',
  'model',
  'session_id',
] as const;
export type OutputPathKey = (typeof outputPathKeys)[number];

const knownPlaceholders = placeholderNames.map(formatPlaceholder);

/** Each unknown placeholder is reported at its own element, so the error points at the exact line of the YAML list. */
const argvTemplate = lazySchema(() =>
  z.array(z.string()).superRefine((args, context) => {
    args.forEach((arg, index) => {
      for (const name of placeholdersIn(arg)) {
        if (isPlaceholderName(name)) continue;
        const placeholder = formatPlaceholder(name);
        context.addIssue({
          code: 'custom',
          path: [index],
          message: `unknown placeholder '${placeholder}'; ${suggestName(placeholder, knownPlaceholders, 'placeholders')}`,
        });
      }
    });
  }),
);

const dotPath = lazySchema(() =>
  z.string().refine((path) => parseDotPath(path) !== undefined, {
    message: 'expected a dot path such as `usage.input_tokens` or `content.*.text` (no empty segments)',
  }),
);

/**
 * Patterns are compiled here so a broken one is a config error with a location, not a crash in the middle of a
 * failed run. They are matched case-insensitively (JavaScript has no inline `(?i)`, and error texts vary in case).
 */
const regexSource = lazySchema(() =>
  z.string().superRefine((source, context) => {
    try {
      new RegExp(source, 'i');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      context.addIssue({ code: 'custom', message: `not a valid regular expression: ${reason}` });
    }
  }),
);

const outputSchema = lazySchema(() =>
  z
    .strictObject({
      format: z.enum(outputFormats).default('text'),
      source: z.enum(outputSources).default('stdout'),
      text: dotPath.optional(),
      input_tokens: dotPath.optional(),
      output_tokens: dotPath.optional(),
      cache_read_tokens: dotPath.optional(),
      cache_write_tokens: dotPath.optional(),
      cost_usd: dotPath.optional(),
      model: dotPath.optional(),
      session_id: dotPath.optional(),
    })
    .superRefine((output, context) => {
      if (output.format === 'text') {
        // Paths select from JSON; on plain text they would be silently ignored, which hides a config mistake.
        for (const key of outputPathKeys) {
          if (output[key] === undefined) continue;
          context.addIssue({
            code: 'custom',
            path: [key],
            message: `output.${key} applies only to output.format json or jsonl; set output.format, or remove it`,
          });
        }
      } else if (output.text === undefined) {
        context.addIssue({
          code: 'custom',
          path: ['text'],
          message: `output.format: ${output.format} needs output.text, the dot path of the answer text (e.g. \`result\` or \`content.*.text\`)`,
        });
      }
    }),
);

export const genericYamlToolShape = lazySchema(() => ({
  /** argv after the binary; each element is one argument, never run through a shell. */
  args: argvTemplate.default([]),
  prompt_via: z.enum(promptDeliveries).default('stdin'),
  output: outputSchema.default({ format: 'text', source: 'stdout' }),
  error_patterns: z
    .strictObject({
      auth: z.array(regexSource).optional(),
      'rate-limit': z.array(regexSource).optional(),
      overloaded: z.array(regexSource).optional(),
      'plan-limit': z.array(regexSource).optional(),
      'context-too-long': z.array(regexSource).optional(),
    })
    .optional(),
  /** Arguments for `detect()`'s version probe. */
  version_args: z.array(z.string()).default(['--version']),
}));

/** Field-level validation only; the plugin's config check adds the cross-field checks on top of it. */
export const genericYamlToolFieldsSchema = lazySchema(() => z.object(genericYamlToolShape));

/**
 * The keys this adapter adds to a tools.yaml entry. Not strict: core merges these keys with its own into one strict
 * object, and the adapter itself re-reads whole tool entries (core keys included) with this schema.
 * The refinement holds the checks that span several keys (e.g. `prompt_via: arg` needs `{{prompt}}`).
 */
export const genericYamlToolSchema = lazySchema(() =>
  genericYamlToolFieldsSchema.superRefine((settings, context) => {
    for (const problem of crossFieldProblems(settings)) {
      context.addIssue({
        code: 'custom',
        path: [...problem.path],
        message: `${problem.message}; ${problem.suggestion}`,
      });
    }
  }),
);

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
/** Fails to compile when the written-out settings interface drifts from the schema. */
export type _SettingsMatchSchema = Assert<
  Equals<z.output<typeof genericYamlToolSchema>, GenericYamlToolSettings>
>;
