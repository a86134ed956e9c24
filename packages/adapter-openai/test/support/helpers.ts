import { createKernel, type Kernel } from '@llm-service/core';
import { coreToolShape, z, type LlmServiceEvent } from '@llm-service/spec';
import { ChatCompletionsTestServer, type ChatCompletionsTestServerOptions } from '@llm-service/testkit';
import {
  collectEvents,
  invocationRequestFor,
  removeTemporaryDirectories,
  startedServers,
  temporaryDirectory,
  writeTestConfig,
} from '@llm-service/testkit/testing';
import openaiPlugin from '../../src/index.js';
import type { OpenAITool } from '../../src/adapter/settings.js';
import {
  openaiAgentOptionsSchema,
  openaiToolSchema,
  type OpenAIAgentOptions,
} from '../../src/config/openai-schema.js';

export const testKey = 'sk-test-0123456789abcdefABCDEF';
export const keyVariable = 'TEST_OPENAI_KEY';

/** Servers, kernels and directories a test started or made, closed and removed after it. */
const servers = startedServers((options: ChatCompletionsTestServerOptions = {}) =>
  ChatCompletionsTestServer.start({ models: ['qwen2.5:7b'], ...options }),
);
const kernels: Kernel[] = [];

export async function cleanUp(): Promise<void> {
  await Promise.all(kernels.splice(0).map((kernel) => kernel.dispose()));
  await servers.closeAll();
  removeTemporaryDirectories();
}

export const startServer = servers.start;

/** A base_url where nothing listens: a server's port, once that server is closed. */
export async function deadBaseUrl(): Promise<string> {
  const server = await ChatCompletionsTestServer.start();
  const url = server.baseUrl;
  await server.close();
  return url;
}

/** Prices of the test model, USD per million tokens. */
export const price = { input_per_mtok: 2.5, output_per_mtok: 10, cache_read_per_mtok: 1.25 };

/**
 * A config directory with agent `tester` routed to the openai tool `local` at `baseUrl` (and `fallback_chain` to
 * more tools when given), written as YAML and read by core's real loader.
 */
export function configDir(
  tools: Record<string, Record<string, unknown>>,
  agent: Record<string, unknown> = {},
): string {
  const [first] = Object.keys(tools);
  return writeTestConfig(temporaryDirectory('adapter-openai-config-'), {
    agents: {
      tester: {
        preferred_tool: first,
        fallback_chain: Object.keys(tools)
          .slice(1)
          .map((id) => `${id}:qwen2.5:7b`),
        ...agent,
      },
    },
    tools: Object.fromEntries(
      Object.entries(tools).map(([id, tool]) => [
        id,
        { adapter: 'openai', models: ['qwen2.5:7b'], api_key_env: keyVariable, ...tool },
      ]),
    ),
    models: Object.fromEntries(
      [
        'qwen2.5:7b',
        ...Object.values(tools).flatMap((tool) =>
          Array.isArray(tool.models) ? (tool.models as string[]) : [],
        ),
      ].map((model) => [model, price]),
    ),
  });
}

export interface KernelRun {
  kernel: Kernel;
  events: LlmServiceEvent[];
}

/** core's kernel with the plugin, on `dir`, the key in its environment unless `env` says otherwise. */
export function kernelFor(
  dir: string,
  env: Record<string, string | undefined> = { [keyVariable]: testKey },
): KernelRun {
  const kernel = createKernel({
    configDir: dir,
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir, ...env },
    plugins: [openaiPlugin],
    logger: { warn: () => undefined },
  });
  kernels.push(kernel);
  return { kernel, events: collectEvents(kernel) };
}

/** The failures the kernel saw, by kind and message. */
export function failures(events: readonly LlmServiceEvent[]) {
  return events.flatMap((event) =>
    event.type === 'invocation.failed'
      ? [{ kind: event.errorKind, message: event.message, tool: event.tool }]
      : [],
  );
}

/** The same merge core's config loader does for a tool with `adapter: openai`. */
const mergedToolSchema = z
  .strictObject({ ...coreToolShape, ...openaiToolSchema.shape })
  .check(...((openaiToolSchema._zod.def.checks ?? []) as never[]));

export function toolConfig(raw: Record<string, unknown>): OpenAITool {
  return mergedToolSchema.parse({ adapter: 'openai', models: ['qwen2.5:7b'], ...raw }) as OpenAITool;
}

/** One attempt's request as the kernel builds it, for the adapter on its own. */
export const invocationRequest = invocationRequestFor<OpenAITool, OpenAIAgentOptions>({
  toolId: 'local',
  model: 'qwen2.5:7b',
  timeoutMs: 30_000,
  env: { [keyVariable]: testKey },
  parseOptions: (raw) => openaiAgentOptionsSchema.parse(raw),
});
