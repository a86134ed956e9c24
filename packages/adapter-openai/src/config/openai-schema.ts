import { lazySchema, maxRetryBaseMs, z } from '@llm-service/spec';

/** The adapter id a tools.yaml entry names (`adapter: openai`). */
export const OPENAI_ADAPTER_ID = 'openai';

/** What `llm-service tools` shows as the binary of a tool reached over HTTP: it runs no program. */
export const httpBinary = '(http)';

/** Same-tool retries when a tools.yaml entry says nothing: see `openaiRetrySchema`. */
export const defaultOpenAIRetries = { max: 2, base_ms: 1000 } as const;

/**
 * `retry` of an openai tool. The adapter never retries by itself: a 429 or a 5xx fails the attempt (a 429 with the
 * time Retry-After gave), and the kernel runs the tool again after that time when it is near. Core's default of no
 * retries would skip that wait altogether, so HTTP tools get two; `max: 0` turns them off.
 */
export const openaiRetrySchema = lazySchema(() =>
  z
    .strictObject({
      max: z.number().int().min(0).max(10).default(defaultOpenAIRetries.max),
      base_ms: z.number().int().min(0).max(maxRetryBaseMs).default(defaultOpenAIRetries.base_ms),
    })
    .default({ ...defaultOpenAIRetries }),
);

/** An HTTP header name (RFC 9110 token). */
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the adapter sets itself: letting a tool entry replace them would break the request or hide the key. */
const reservedHeaders = new Set(['content-type', 'content-length', 'accept', 'host', 'transfer-encoding']);

const baseUrlSchema = lazySchema(() =>
  z
    .string()
    .min(1)
    .superRefine((value, context) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        context.addIssue({ code: 'custom', message: `expected an http:// or https:// URL, got '${value}'` });
        return;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        context.addIssue({
          code: 'custom',
          message: `expected an http:// or https:// URL, got ${url.protocol}//`,
        });
      }
      // A key in the URL would be written to logs and error messages with it: keys come from api_key_env only.
      if (url.username !== '' || url.password !== '') {
        context.addIssue({
          code: 'custom',
          message:
            'base_url must not hold credentials (user:password@); name the key’s variable in api_key_env',
        });
      }
      if (url.search !== '' || url.hash !== '') {
        context.addIssue({
          code: 'custom',
          message:
            'base_url must not have a query or fragment: /chat/completions and /models are appended to it',
        });
      }
    }),
);

/**
 * Keys of a tools.yaml entry with `adapter: openai` beyond the core ones. `binary` replaces core's required key: an
 * HTTP tool runs no program, and a `binary:` there would be a mistake worth saying.
 */
export const openaiToolSchema = lazySchema(() =>
  z
    .strictObject({
      binary: z
        .literal(httpBinary, { error: 'an openai tool is reached over HTTP at base_url: remove binary' })
        .default(httpBinary),
      /** The API root, e.g. `http://127.0.0.1:11434/v1` (Ollama), `http://127.0.0.1:8000/v1` (vLLM). */
      base_url: baseUrlSchema,
      /** The name of the environment variable holding the key, sent as `Authorization: Bearer`; none for local servers. */
      api_key_env: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the name of an environment variable, not a key')
        .optional(),
      /** Extra headers sent with every request (`${VAR}` is interpolated by the config loader). */
      headers: z
        .record(
          z.string(),
          z.string().refine((value) => !/[\r\n\0]/.test(value), 'a header value must be one line'),
        )
        .default({}),
      retry: openaiRetrySchema,
    })
    .superRefine((tool, context) => {
      for (const name of Object.keys(tool.headers)) {
        const lower = name.toLowerCase();
        // Checked here rather than on the record's key: zod reports a bad key without the key's own message.
        if (!headerName.test(name)) {
          context.addIssue({
            code: 'custom',
            path: ['headers', name],
            message: 'expected an HTTP header name',
          });
        }
        if (reservedHeaders.has(lower)) {
          context.addIssue({
            code: 'custom',
            path: ['headers', name],
            message: `${name} is set by the adapter`,
          });
        }
        if (lower === 'authorization' && tool.api_key_env !== undefined) {
          context.addIssue({
            code: 'custom',
            path: ['headers', name],
            message: 'give api_key_env or an authorization header, not both',
          });
        }
      }
    }),
);

export type OpenAIToolSettings = z.output<typeof openaiToolSchema>;

/** `agents.<agent>.adapter_options.openai`: request parameters for that agent's calls. */
export const openaiAgentOptionsSchema = lazySchema(() =>
  z
    .strictObject({
      /** Sent as the first message, with role `system`. */
      system_prompt: z.string().min(1).optional(),
      temperature: z.number().min(0).max(2).optional(),
      top_p: z.number().gt(0).max(1).optional(),
      /** The longest answer, in tokens (`max_tokens`, which Ollama, vLLM and most servers read). */
      max_tokens: z.number().int().positive().optional(),
      /** The same for OpenAI's reasoning models, which refuse `max_tokens`. */
      max_completion_tokens: z.number().int().positive().optional(),
      /** Up to four sequences at which the answer stops. */
      stop: z.array(z.string().min(1)).min(1).max(4).optional(),
      seed: z.number().int().optional(),
    })
    .refine((options) => options.max_tokens === undefined || options.max_completion_tokens === undefined, {
      message: 'give max_tokens or max_completion_tokens, not both',
      path: ['max_completion_tokens'],
    }),
);

export type OpenAIAgentOptions = z.output<typeof openaiAgentOptionsSchema>;
