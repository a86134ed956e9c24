import type {
  DetectResult,
  InvocationRequest,
  InvocationResult,
  ToolAdapterV1,
  ToolConfig,
} from '@llm-service/spec';
import type { Environment } from '../environment/tool-checks.js';
import { invocationObservable, type ReportLimits } from '../process/invocation-observable.js';

/** What an adapter is made of besides its id: how it detects its tool, and one run as a promise. */
export interface ToolAdapterParts<TTool extends ToolConfig, TOptions> {
  id: string;
  detect(tool: TTool, context: { configDir: string; env: Environment }): Promise<DetectResult>;
  /**
   * One attempt: answer text through `emit` as it arrives, and what the program says about its plan's windows through
   * `reportLimits` (a tool that says nothing of them ignores it); `signal` covers both cancel and unsubscribe.
   */
  run(
    request: InvocationRequest<TTool, TOptions>,
    signal: AbortSignal,
    emit: (text: string) => void,
    reportLimits: ReportLimits,
  ): Promise<InvocationResult>;
  reportsUsage?(tool: TTool): boolean;
}

/** One attempt of an adapter's tool, as `toolAdapter` takes it. */
export type ToolRun<TTool extends ToolConfig, TOptions> = ToolAdapterParts<TTool, TOptions>['run'];

/**
 * A `ToolAdapterV1` from a promise-based run: `invoke` becomes the observable the contract wants (through
 * `invocationObservable`), so an adapter writes only its detection and its run.
 */
export function toolAdapter<TTool extends ToolConfig, TOptions = unknown>(
  parts: ToolAdapterParts<TTool, TOptions>,
): ToolAdapterV1<TTool, TOptions> {
  return {
    specificationVersion: 'v1',
    id: parts.id,
    detect: (tool, context) => parts.detect(tool, context),
    invoke: (request, signal) =>
      invocationObservable(signal, (runSignal, emit, reportLimits) =>
        parts.run(request, runSignal, emit, reportLimits),
      ),
    ...(parts.reportsUsage === undefined ? {} : { reportsUsage: parts.reportsUsage }),
  };
}
