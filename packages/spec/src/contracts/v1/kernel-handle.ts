import type { DiscoveredConfigDir, ResolvedConfig } from '../../config/resolved-config.js';
import type { EventBus } from '../../events/event-bus.js';
import type { CostSource } from '../../events/events.js';
import type { AdapterErrorKind } from '../../errors/adapter-error.js';
import type { PluginDefinition } from '../../plugin/define-plugin.js';
import type { ServiceToken } from '../../plugin/tokens.js';
import type { Usage } from './adapter.js';
import type { PolicyDecision } from './policy.js';
import type { Candidate, RouteReason } from './routing.js';

export interface RouteRequest {
  agent: string;
  taskType?: string | undefined;
  tool?: string | undefined;
  model?: string | undefined;
  noFallback?: boolean | undefined;
}

export interface RoutePlan {
  agent: string;
  candidates: readonly Candidate[];
  /** Whether the first candidate was chosen explicitly (`--tool`, `--model`, a task type): policies must not rewrite it. */
  explicit: boolean;
  /**
   * Something the user should know about the plan (plugin API 1.3): a `--task-type` the agent does not define, routed
   * by the agent's preferred tool and model instead, with a did-you-mean when it is close to one it does.
   */
  notice?: string;
}

/** What one policy would decide for a candidate, as `route` shows it (plugin API 1.4). */
export interface PreviewDecision {
  policy: string;
  action: PolicyDecision['action'];
  message?: string;
  /** The candidate a rewrite would run instead. */
  rewrittenTo?: Candidate;
}

/** A candidate of the plan with what its policies decide and what it would cost (plugin API 1.4). */
export interface CandidatePreview extends Candidate {
  decisions: readonly PreviewDecision[];
  /** The usage the cost estimator forecasts; absent when no loaded plugin estimates. */
  estimatedUsage?: Usage;
  /** That forecast at the model's prices; null without an estimator or a price for the model. */
  estimatedCostUsd: number | null;
}

/** `route`'s answer: the plan, each candidate with its policy decisions and cost estimate (plugin API 1.4). */
export interface RoutePreview extends RoutePlan {
  candidates: readonly CandidatePreview[];
}

export interface ContextFile {
  /** Shown to the model as the file's name. */
  name: string;
  content: Uint8Array;
}

export interface ExecRequest extends RouteRequest {
  /** The prompt as bytes (or text, encoded as UTF-8). */
  prompt: Uint8Array | string;
  context?: readonly ContextFile[];
  timeoutS?: number | undefined;
  chainId?: string | undefined;
  maxCostUsd?: number | undefined;
  /** Answers yes to every confirmation a policy asks. */
  yes?: boolean | undefined;
  force?: { reason: string } | undefined;
  /** The task the request works on (plugin API 1.5), recorded on every attempt. */
  taskId?: string | undefined;
}

export interface ExecOptions {
  /** Receives the answer as it streams; once it has been called, no other candidate is tried. */
  onText?: (text: string) => void;
  signal?: AbortSignal;
}

export interface AttemptSummary {
  attempt: number;
  tool: string;
  model: string;
  reason: RouteReason;
  status: 'success' | 'failed' | 'skipped';
  errorKind?: AdapterErrorKind | 'policy';
  message?: string;
  latencyMs: number;
}

/** The documented result of `exec` (and of `llm-service exec --json`). */
export interface ExecResult {
  text: string;
  agent: string;
  tool: string;
  model: string;
  reason: RouteReason;
  usage: Usage;
  /** 0 when `costSource` is `unknown` (`exec --json` then gives null). */
  costUsd: number;
  costSource: CostSource;
  latencyMs: number;
  invocationId: string;
  chainId: string;
  attempts: AttemptSummary[];
}

/**
 * What a plugin's command may ask of the kernel that runs it. Commands receive this interface, never the concrete
 * kernel, so the contracts do not depend on core's implementation.
 */
export interface KernelHandle {
  readonly events: EventBus;
  /** Where the configuration is read from, without reading it. */
  configLocation(): DiscoveredConfigDir;
  /** The validated configuration (loads configuration and plugins on first use). */
  config(): Promise<ResolvedConfig>;
  /**
   * The configuration as it would be with `path` in place of its file `name` (e.g. another `policies.yaml` for
   * `simulate --policies`), validated exactly as the real one, every problem located in that file.
   */
  configWithFile(name: string, path: string): Promise<ResolvedConfig>;
  /** Every loaded plugin, the distribution's and those named in `llm-service.yaml`. */
  plugins(): Promise<readonly PluginDefinition[]>;
  /** A service some loaded plugin provides; undefined when none does. */
  service<T>(token: ServiceToken<T>): Promise<T | undefined>;
  /** The candidates `exec` would try, in order, without running anything. */
  route(request: RouteRequest): Promise<RoutePlan>;
  /**
   * The plan with each candidate's policy decisions and cost estimate for this prompt (plugin API 1.4), running
   * nothing and holding nothing.
   */
  preview(request: ExecRequest): Promise<RoutePreview>;
  exec(request: ExecRequest, options?: ExecOptions): Promise<ExecResult>;
}
