/**
 * An llm-service adapter written as a third party would: it depends on `@llm-service/spec` only (a peer dependency)
 * and calls an OpenAI-compatible `POST /v1/chat/completions` endpoint with `stream: true` (server-sent events), as
 * local model servers such as Ollama (`http://127.0.0.1:11434`) and vLLM (`http://127.0.0.1:8000`) offer.
 *
 *   # llm-service.yaml
 *   plugins: [llm-service-adapter-http]
 *   # tools.yaml
 *   tools:
 *     ollama:
 *       adapter: http
 *       base_url: http://127.0.0.1:11434
 *       api_key_env: OLLAMA_API_KEY     # optional: sent as a bearer token when the variable is set
 *       models: ["qwen2.5:7b"]
 *       timeout_s: 120
 *
 * Failures are classified for the kernel: connection refused (no server) is `not-installed`, 401/403 `auth`, 429
 * `rate-limit`, 5xx `overloaded`, the tool's `timeout_s` `timeout`; each of these lets the kernel fall back.
 */
import {
  AdapterError,
  definePlugin,
  emptyUsage,
  Observable,
  z,
  type AdapterErrorKind,
  type AdapterEvent,
  type DetectResult,
  type InvocationRequest,
  type InvocationResult,
  type PluginDefinition,
  type ToolAdapterV1,
  type ToolConfig,
  type Usage,
} from '@llm-service/spec';

export const httpAdapterId = 'http';

/** The keys this adapter adds to a tools.yaml entry. `binary` means nothing over HTTP, so it is optional here. */
export const httpToolSchema = z.strictObject({
  binary: z.string().min(1).default('(http)'),
  base_url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  api_key_env: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).default({}),
});
type HttpToolSettings = z.output<typeof httpToolSchema>;

/** Network error codes meaning nothing listens there: the server is not running (or not installed). */
const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const detailLimit = 500;

/** Reads this adapter's keys from a tool entry the kernel already validated (which also holds core's keys). */
function settingsOf(tool: ToolConfig): HttpToolSettings {
  return httpToolSchema.loose().parse(tool);
}

function endpoint(settings: HttpToolSettings, path: string): string {
  return `${settings.base_url.replace(/\/+$/, '')}${path}`;
}

function headersFor(
  settings: HttpToolSettings,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const headers: Record<string, string> = { ...settings.headers };
  const key = settings.api_key_env ? env[settings.api_key_env] : undefined;
  if (key) headers.authorization = `Bearer ${key}`;
  return headers;
}

/** The `code` of a fetch failure, which Node puts on the error's cause (undici), sometimes nested once more. */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    current = cause;
  }
  return undefined;
}

/** Classifies an HTTP status the server answered with. */
export function kindForStatus(status: number): AdapterErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate-limit';
  if (status >= 500) return 'overloaded';
  return 'tool-error';
}

interface ChatChunk {
  model?: string;
  choices?: { delta?: { content?: string | null }; message?: { content?: string | null } }[];
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number } | null;
  } | null;
  error?: { message?: string } | string;
}

function usageOf(chunk: ChatChunk): Usage | undefined {
  if (!chunk.usage) return undefined;
  const prompt = chunk.usage.prompt_tokens ?? 0;
  const cached = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    inputTokens: Math.max(0, prompt - cached),
    outputTokens: chunk.usage.completion_tokens ?? 0,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  };
}

function parseChunk(data: string): ChatChunk {
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    return parsed as ChatChunk;
  } catch {
    throw new AdapterError('bad-output', 'the server sent an event that is not a JSON object', {
      detail: data.slice(0, detailLimit),
    });
  }
}

/** Splits a server-sent event stream into the `data` of each event (several `data:` lines join with newlines). */
export async function* serverSentData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  const reader = body.getReader();
  const eventsIn = function* (final: boolean): Generator<string> {
    const blocks = buffered.split(/\r?\n\r?\n/);
    buffered = final ? '' : (blocks.pop() ?? '');
    for (const block of blocks) {
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''));
      if (data.length > 0) yield data.join('\n');
    }
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      yield* eventsIn(false);
    }
    buffered += decoder.decode();
    yield* eventsIn(true);
  } finally {
    reader.releaseLock();
  }
}

async function runChat(
  request: InvocationRequest,
  signal: AbortSignal,
  emit: (event: AdapterEvent) => void,
): Promise<InvocationResult> {
  const settings = settingsOf(request.tool);
  const started = performance.now();
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const combined = AbortSignal.any([signal, timeout]);
  const aborted = (error: unknown): AdapterError | undefined => {
    if (signal.aborted) return new AdapterError('cancelled', 'cancelled', { cause: error });
    if (timeout.aborted)
      return new AdapterError('timeout', `no complete answer within ${request.timeoutMs / 1000} s`, {
        cause: error,
      });
    return undefined;
  };

  let response: Response;
  try {
    response = await fetch(endpoint(settings, '/v1/chat/completions'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...headersFor(settings, request.env),
      },
      body: JSON.stringify({
        model: request.model,
        // JSON carries text: the prompt's bytes are decoded once here, as UTF-8.
        messages: [{ role: 'user', content: new TextDecoder().decode(request.prompt) }],
        stream: true,
        stream_options: { include_usage: true },
      }),
      signal: combined,
    });
  } catch (error) {
    const abortError = aborted(error);
    if (abortError) throw abortError;
    const code = networkCode(error);
    if (code && unreachableCodes.has(code)) {
      throw new AdapterError('not-installed', `no server at ${settings.base_url} (${code})`, {
        cause: error,
      });
    }
    throw new AdapterError(
      'tool-error',
      `request to ${settings.base_url} failed (${code ?? String(error)})`,
      {
        cause: error,
      },
    );
  }

  if (!response.ok) {
    const detail = (await response.text().catch(() => '')).slice(0, detailLimit);
    const kind = kindForStatus(response.status);
    throw new AdapterError(kind, `${settings.base_url} answered HTTP ${response.status}`, {
      detail,
      exitCode: response.status,
    });
  }

  let text = '';
  let model = request.model;
  let usage: Usage = { ...emptyUsage };
  const take = (chunk: ChatChunk, streaming: boolean) => {
    if (chunk.error !== undefined) {
      const message =
        typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? 'unknown error');
      throw new AdapterError('tool-error', `the server reported an error: ${message}`);
    }
    if (chunk.model) model = chunk.model;
    const found = usageOf(chunk);
    if (found) {
      usage = found;
      emit({ type: 'usage', usage: found });
    }
    const choice = chunk.choices?.[0];
    const piece = (streaming ? choice?.delta?.content : choice?.message?.content) ?? '';
    if (piece) {
      text += piece;
      emit({ type: 'output', text: piece });
    }
  };

  try {
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.includes('text/event-stream')) {
      // A server that ignores `stream: true` answers with one JSON completion.
      take(parseChunk(await response.text()), false);
    } else {
      if (!response.body) throw new AdapterError('bad-output', 'the server sent no body');
      let finished = false;
      for await (const data of serverSentData(response.body)) {
        if (data.trim() === '[DONE]') {
          finished = true;
          break;
        }
        take(parseChunk(data), true);
      }
      if (!finished) throw new AdapterError('bad-output', 'the event stream ended before [DONE]');
    }
  } catch (error) {
    const abortError = aborted(error);
    if (abortError) throw abortError;
    if ((error as { code?: unknown }).code?.toString().startsWith('E_ADAPTER_')) throw error;
    throw new AdapterError('tool-error', `reading the answer failed: ${String(error)}`, { cause: error });
  }

  return { text, usage, model, exitCode: 0, durationMs: Math.round(performance.now() - started) };
}

export function createHttpAdapter(): ToolAdapterV1 {
  return {
    specificationVersion: 'v1',
    id: httpAdapterId,
    async detect(tool, context): Promise<DetectResult> {
      const settings = settingsOf(tool);
      const credentials =
        settings.api_key_env && context.env[settings.api_key_env] ? [settings.api_key_env] : [];
      try {
        const response = await fetch(endpoint(settings, '/v1/models'), {
          headers: headersFor(settings, context.env),
          signal: AbortSignal.timeout(2_000),
        });
        await response.body?.cancel();
        return response.status === 401 || response.status === 403
          ? { installed: true, path: settings.base_url, credentials, problem: `HTTP ${response.status}` }
          : { installed: true, path: settings.base_url, credentials };
      } catch (error) {
        return {
          installed: false,
          path: settings.base_url,
          credentials,
          problem: `no server at ${settings.base_url} (${networkCode(error) ?? 'unreachable'})`,
        };
      }
    },
    invoke(request, signal): Observable<AdapterEvent> {
      return new Observable<AdapterEvent>((subscriber) => {
        // Unsubscribing (the kernel moved on) aborts the request, as does the kernel's signal.
        const controller = new AbortController();
        const onAbort = () => controller.abort();
        signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted) controller.abort();
        runChat(request, controller.signal, (event) => subscriber.next(event)).then(
          (result) => {
            subscriber.next({ type: 'result', result });
            subscriber.complete();
          },
          (error: unknown) => subscriber.error(error),
        );
        return () => {
          signal.removeEventListener('abort', onAbort);
          controller.abort();
        };
      });
    },
  };
}

const httpAdapterPlugin: PluginDefinition = definePlugin({
  name: 'llm-service-adapter-http',
  version: '0.1.0',
  apiVersion: '^1.0.0',
  configSchema: { tools: { [httpAdapterId]: httpToolSchema } },
  register(context) {
    context.adapters.add(createHttpAdapter());
  },
});

export default httpAdapterPlugin;
