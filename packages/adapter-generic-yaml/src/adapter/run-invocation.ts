import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdapterError, type InvocationRequest, type InvocationResult } from '@llm-service/spec';
import {
  childEnvironment,
  outputTailChars,
  prepareRun,
  runTool,
  throwIfCancelled,
  withSpending,
  type Spending,
} from '@llm-service/plugin-kit';
import { renderArgs, type PlaceholderValues } from '../argv/render-args.js';
import type { PlaceholderName } from '../config/placeholders.js';
import type { OutputSettings } from '../config/tool-schema.js';
import { createOutputReader, type OutputReader } from '../output/output-reader.js';
import { createPrivateDirectory, removePrivateDirectory } from '../prompt/private-directory.js';
import { promptAsArgument, writePromptFile } from '../prompt/prompt-delivery.js';
import { classifyFailure } from './classify-failure.js';
import { TailBuffer } from './tail-buffer.js';
import type { GenericYamlTool } from '../config/tool-settings-types.js';

/** Enough of stdout to find an error message in it, without holding a long answer twice. */
const stdoutTailBytes = 64 * 1024;

/** Tools sometimes pick a parser from the file name, so the output file carries the expected format's extension. */
function outputFileName(output: OutputSettings): string {
  return `output.${output.format === 'text' ? 'txt' : output.format}`;
}

async function readOutputFile(path: string, toolId: string, stdoutTail: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AdapterError(
      'bad-output',
      code === 'ENOENT'
        ? `'${toolId}' exited successfully but wrote no output file (expected at {{output_file}})`
        : `could not read the output file of '${toolId}': ${error instanceof Error ? error.message : String(error)}`,
      { detail: stdoutTail.trim().slice(-outputTailChars) || undefined, cause: error },
    );
  }
}

/**
 * What a run that exited with an error reported spending in the output it did print (usage and cost paths of a JSON
 * or JSONL output), or nothing when it printed none; never a new failure of its own.
 */
async function spentBeforeFailing(
  failure: AdapterError,
  reader: OutputReader,
  outputFile: string | undefined,
): Promise<Spending | undefined> {
  if (failure.kind === 'cancelled' || failure.kind === 'timeout' || failure.kind === 'not-installed')
    return undefined;
  try {
    const fileBytes =
      outputFile === undefined ? undefined : await readFile(outputFile).catch(() => undefined);
    const parsed = reader.finish(fileBytes);
    return {
      usage: parsed.usage,
      ...(parsed.reportedCostUsd === undefined ? {} : { reportedCostUsd: parsed.reportedCostUsd }),
    };
  } catch {
    return undefined;
  }
}

/**
 * Runs one attempt to completion: checks what can be checked before starting anything, delivers the prompt,
 * streams answer text through `emit`, and turns the outcome into a result or an AdapterError. The private
 * directory (prompt and output files) is removed on every path out, including timeout and cancel.
 */
export async function runInvocation(
  request: InvocationRequest<GenericYamlTool>,
  signal: AbortSignal,
  emit: (text: string) => void,
): Promise<InvocationResult> {
  const settings = request.tool;
  const env = childEnvironment(request.env, request.tool);
  const { binaryPath, cwd } = prepareRun(request, env);

  const values: Partial<Record<PlaceholderName, string>> = {
    model: request.model,
    agent: request.agent,
    // No task type is an empty argument rather than a missing one, so argv positions stay stable.
    task_type: request.taskType ?? '',
  };
  // Refused before any file or process exists.
  if (settings.prompt_via === 'arg') values.prompt = promptAsArgument(request.prompt, request.toolId);
  throwIfCancelled(signal);

  const needsDirectory = settings.prompt_via === 'file' || settings.output.source === 'file';
  const directory = needsDirectory ? await createPrivateDirectory() : undefined;
  try {
    if (directory !== undefined && settings.prompt_via === 'file') {
      values.prompt_file = await writePromptFile(directory, request.prompt);
    }
    if (directory !== undefined && settings.output.source === 'file') {
      values.output_file = join(directory, outputFileName(settings.output));
    }
    const args = renderArgs(settings.args, values satisfies PlaceholderValues);
    // Once the run has failed, reading its output for what it spent must not stream more of a failed answer.
    let answering = true;
    const reader = createOutputReader(settings.output, (text) => {
      if (answering) emit(text);
    });
    const stdoutTail = new TailBuffer(stdoutTailBytes);

    const result = await runTool({
      file: binaryPath,
      args,
      cwd,
      env,
      // runTool closes stdin when there is no input, so only `stdin` delivery gives the tool anything to read.
      input: settings.prompt_via === 'stdin' ? request.prompt : undefined,
      timeoutMs: request.timeoutMs,
      signal,
      onStdout: (chunk) => {
        stdoutTail.push(chunk);
        reader.onStdout(chunk);
      },
    });

    const failure = classifyFailure(result, {
      toolId: request.toolId,
      binaryPath,
      timeoutMs: request.timeoutMs,
      settings,
      stdoutTail: stdoutTail.text(),
      keyVariables: [...new Set([...request.tool.env_required, ...Object.keys(request.tool.env)])],
    });
    if (failure) {
      answering = false;
      throw withSpending(failure, await spentBeforeFailing(failure, reader, values.output_file));
    }
    throwIfCancelled(signal);

    const fileBytes =
      values.output_file === undefined
        ? undefined
        : await readOutputFile(values.output_file, request.toolId, stdoutTail.text());
    const parsed = reader.finish(fileBytes);
    return {
      text: parsed.text,
      usage: parsed.usage,
      // Plain text, or JSON without the configured usage fields: the kernel estimates the usage.
      ...(parsed.usageReported ? {} : { usageReported: false }),
      ...(parsed.reportedCostUsd === undefined ? {} : { reportedCostUsd: parsed.reportedCostUsd }),
      model: parsed.model ?? request.model,
      exitCode: 0,
      durationMs: result.durationMs,
      ...(parsed.sessionId === undefined ? {} : { sessionId: parsed.sessionId }),
    };
  } finally {
    if (directory !== undefined) await removePrivateDirectory(directory);
  }
}
