import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import { basename, dirname, resolve as resolvePath } from 'node:path';
import { container as rootContainer } from 'tsyringe';
import type { Subscription } from 'rxjs';
import {
  AdapterError,
  CancelledError,
  emptyUsage,
  EventBus,
  ExitCode,
  isAdapterError,
  PluginError,
  PolicyBlockedError,
  RequestFailedError,
  UsageError,
  CostEstimatorToken,
  type CandidatePreview,
  type PreviewDecision,
  type RoutePreview,
  type AdapterEvent,
  type AttemptCost,
  type AttemptSummary,
  type Candidate,
  type DetectResult,
  type ExecOptions,
  type ExecRequest,
  type ExecResult,
  type InvocationResult,
  type KernelHandle,
  type LlmServiceEvent,
  type PluginDefinition,
  type PluginLogger,
  type PolicyContext,
  type PolicyDecision,
  type PolicyV2,
  type RecordedCost,
  type ResolvedConfig,
  type RouteReason,
  type RoutePlan,
  type RouteRequest,
  type ServiceToken,
  type ToolAdapterV1,
  type Usage,
} from '@llm-service/spec';
import { discoverConfigDir, type DiscoveredConfigDir } from '../config/discover.js';
import {
  collectConfigSchemas,
  readConfigFile,
  readConfigSources,
  locatePluginSpecifiers,
  resolveConfig,
} from '../config/load-config.js';
import { importPlugin } from '../plugin/load-plugins.js';
import { PluginHost } from '../plugin/plugin-host.js';
import { planRoute } from '../routing/plan-route.js';
import { buildPrompt } from './build-prompt.js';
import { checkReport, computeCostUsd, priceHash } from './cost.js';

export interface KernelLogger {
  warn(message: string): void;
  debug?(message: string): void;
}

export interface KernelOptions {
  /** As `--config-dir`; when absent the directory is discovered (DESIGN section 2). */
  configDir?: string | undefined;
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** The plugins a distribution always loads; `plugins:` in llm-service.yaml adds more. */
  plugins?: readonly PluginDefinition[];
  logger?: KernelLogger;
  /** Asks the user a yes/no question; only a host with a terminal on stdin and stderr passes one. */
  confirm?: (message: string) => Promise<boolean>;
  /**
   * Called with the configuration's location before anything of it is read; throws to refuse it. The distribution
   * decides what it trusts: the CLI refuses a project's configuration (found by discovery, so chosen by whoever wrote
   * the repository) until `llm-service config trust` recorded it. Core trusts what it is given.
   */
  admitConfig?: (location: DiscoveredConfigDir) => void;
}

/** What one policy holds for the candidate that runs, handed back to it to settle or release. */
interface Hold {
  policy: PolicyV2;
  hold: unknown;
  /** What the policy estimated the attempt costs, when it said. */
  estimateUsd: number | undefined;
}

interface Blocked {
  message: string;
  hints: readonly string[];
  endsRequest: boolean;
}

/** What a candidate's attempts spent, and whether every sink committed the record of each. */
interface Spending {
  committed: boolean;
  cost: AttemptCost | undefined;
}

/** The candidate's attempts' costs added up; the last attempt's outcome and cost source stand for them all. */
function addCost(
  total: AttemptCost | undefined,
  outcome: AttemptCost['outcome'],
  cost: RecordedCost | undefined,
): AttemptCost {
  const usage = cost?.usage ?? emptyUsage;
  const before = total ?? { usage: emptyUsage, costUsd: 0, costSource: 'computed' as const, outcome };
  return {
    outcome,
    usage: {
      inputTokens: before.usage.inputTokens + usage.inputTokens,
      outputTokens: before.usage.outputTokens + usage.outputTokens,
      cacheReadTokens: before.usage.cacheReadTokens + usage.cacheReadTokens,
      cacheWriteTokens: before.usage.cacheWriteTokens + usage.cacheWriteTokens,
    },
    costUsd: before.costUsd + (cost?.costUsd ?? 0),
    costSource: cost?.costSource ?? before.costSource,
  };
}

interface Booted {
  config: ResolvedConfig;
  host: PluginHost;
  plugins: readonly PluginDefinition[];
}

const kindDescriptions: Record<string, string> = {
  'not-installed': 'unavailable (not installed)',
  auth: 'unavailable (not logged in or invalid credentials)',
  'rate-limit': 'rate-limited',
  overloaded: 'overloaded',
  timeout: 'timed out',
  'bad-output': 'gave output that could not be read',
  'tool-error': 'failed',
  cancelled: 'cancelled',
};

function describeFailure(candidate: Candidate, error: AdapterError): string {
  // A kind from a newer adapter than this kernel knows is still described.
  return `${candidate.tool}:${candidate.model} ${kindDescriptions[error.kind] ?? `failed (${error.kind})`}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    // Removed when the timer fires: a library caller may pass one long-lived signal to many requests.
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The microkernel: loads configuration and plugins, plans routes, applies policies per candidate, runs adapters and
 * emits events. It knows no plugin; everything it runs arrives through the plugin API.
 */
export class Kernel implements KernelHandle {
  readonly events: EventBus;
  readonly #options: KernelOptions;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #cwd: string;
  readonly #container = rootContainer.createChildContainer();
  #booting: Promise<Booted> | undefined;
  #disposed = false;
  #disposing: Promise<void> | undefined;

  constructor(options: KernelOptions = {}) {
    this.#options = options;
    this.#env = options.env ?? process.env;
    this.#cwd = options.cwd ?? process.cwd();
    const logger = options.logger ?? { warn: (message: string) => process.stderr.write(`${message}\n`) };
    this.events = new EventBus((name, error) => {
      const reason = error instanceof Error ? error.message : String(error);
      logger.warn(`warning: event subscriber '${name}' failed and was removed: ${reason}`);
    });
  }

  get #logger(): KernelLogger {
    return this.#options.logger ?? { warn: (message: string) => process.stderr.write(`${message}\n`) };
  }

  /** Where the configuration is read from, without reading it. */
  configLocation(): DiscoveredConfigDir {
    return discoverConfigDir({ configDir: this.#options.configDir, cwd: this.#cwd, env: this.#env });
  }

  async config(): Promise<ResolvedConfig> {
    return (await this.#boot()).config;
  }

  async configWithFile(name: string, path: string): Promise<ResolvedConfig> {
    const { config, plugins } = await this.#boot();
    const file = resolvePath(this.#cwd, path);
    const other = readConfigFile(dirname(file), basename(file), this.#cwd);
    const source = other.source;
    if (!source) throw new UsageError(`cannot read ${path}`, { hint: `give a ${name} file` });
    const sources = readConfigSources(config.dir, 'flag', this.#cwd);
    const files = new Map(sources.files);
    files.set(name, source);
    const issues = [...sources.issues, ...other.issues];
    return resolveConfig({ ...sources, files, issues }, collectConfigSchemas(plugins), this.#env);
  }

  async plugins(): Promise<readonly PluginDefinition[]> {
    return (await this.#boot()).plugins;
  }

  async adapters(): Promise<ReadonlyMap<string, ToolAdapterV1>> {
    return (await this.#boot()).host.adapters;
  }

  #boot(): Promise<Booted> {
    if (this.#disposed) return Promise.reject(new UsageError('the kernel has been disposed'));
    this.#booting ??= this.#load();
    return this.#booting;
  }

  async #load(): Promise<Booted> {
    const location = this.configLocation();
    this.#options.admitConfig?.(location);
    const sources = readConfigSources(location.dir, location.source, this.#cwd);
    const plugins = [...(this.#options.plugins ?? [])];
    for (const { specifier, where } of locatePluginSpecifiers(sources, this.#env)) {
      const plugin = await importPlugin(specifier, location.dir).catch((error: unknown) => {
        // Say where the plugin is named, so the user knows which line to fix.
        if (error instanceof PluginError)
          throw new PluginError(
            specifier,
            `${error.message.replace(`plugin ${specifier}: `, '')} (named at ${where})`,
            error.hint,
            error.cause,
          );
        throw error;
      });
      if (!plugins.some((loaded) => loaded.name === plugin.name)) plugins.push(plugin);
    }
    const config = resolveConfig(sources, collectConfigSchemas(plugins), this.#env);
    const host = new PluginHost(this.#container, this.events, (name) => this.#pluginLogger(name), this.#env);
    await host.register(plugins, config);
    for (const [toolId, tool] of Object.entries(config.tools)) {
      if (!host.adapters.has(tool.adapter)) {
        throw new PluginError(
          tool.adapter,
          `declares a schema for adapter '${tool.adapter}' (used by tool '${toolId}') but registered no such adapter`,
        );
      }
    }
    return { config, host, plugins };
  }

  #pluginLogger(name: string): PluginLogger {
    const logger = this.#logger;
    return {
      debug: (message) => logger.debug?.(`${name}: ${message}`),
      info: (message) => logger.debug?.(`${name}: ${message}`),
      warn: (message) => logger.warn(`warning: ${name}: ${message}`),
      error: (message) => logger.warn(`error: ${name}: ${message}`),
    };
  }

  /**
   * A service some plugin provides (e.g. the spend ledger), after loading the configuration and plugins; undefined
   * when no loaded plugin provides it. For plugin commands and library users.
   */
  async service<T>(token: ServiceToken<T>): Promise<T | undefined> {
    await this.#boot();
    return this.#container.isRegistered(token, true) ? this.#container.resolve<T>(token) : undefined;
  }

  /** The candidates `exec` would try, in order, without running anything. */
  async route(request: RouteRequest): Promise<RoutePlan> {
    const { config } = await this.#boot();
    return planRoute(config, request);
  }

  /**
   * The cost of an attempt whose tool reported no usage: what the cost estimator counts, at the model's prices, marked
   * `estimated`; `unknown` (no figure, never $0) when no loaded plugin estimates.
   */
  async #unreportedCost(
    candidate: Candidate,
    attempt: { agent: string; prompt: Uint8Array; answer: string },
  ): Promise<RecordedCost> {
    const { config } = await this.#boot();
    const price = config.models[candidate.model];
    const estimator = await this.service(CostEstimatorToken);
    const unknown = (note: string): RecordedCost => ({
      usage: emptyUsage,
      costUsd: 0,
      costSource: 'unknown',
      computedCostUsd: 0,
      priceHash: '',
      note,
    });
    if (!estimator)
      return unknown('the tool reports no usage and no loaded plugin estimates it (the policy plugin does)');
    let usage: Usage;
    try {
      usage = await estimator.usageOf({ ...attempt, model: candidate.model });
    } catch (error) {
      // The answer has been given: an estimator that fails leaves its cost unknown, never fails the request.
      const reason = error instanceof Error ? error.message : String(error);
      this.#logger.warn(
        `warning: the cost of ${candidate.tool}:${candidate.model} could not be estimated: ${reason}`,
      );
      return unknown(`the tool reports no usage and the estimate failed: ${reason}`);
    }
    const costUsd = price ? computeCostUsd(usage, price) : 0;
    return {
      usage,
      costUsd,
      costSource: 'estimated',
      computedCostUsd: costUsd,
      priceHash: price ? priceHash(candidate.model, price) : '',
      note: 'the tool reports no usage; its prompt and answer were counted with a tokenizer',
    };
  }

  /** Lets the cost estimator get ready while a tool that reports no usage runs; a failure only loses the head start. */
  async #prepareEstimator(): Promise<void> {
    try {
      (await this.service(CostEstimatorToken))?.prepare?.();
    } catch {
      // `usageOf` does the same work later.
    }
  }

  async preview(request: ExecRequest): Promise<RoutePreview> {
    const { config, host } = await this.#boot();
    const plan = planRoute(config, request);
    const rawPrompt =
      typeof request.prompt === 'string' ? new TextEncoder().encode(request.prompt) : request.prompt;
    const prompt = buildPrompt(rawPrompt, request.context);
    const estimator = await this.service(CostEstimatorToken);
    const candidates: CandidatePreview[] = [];
    for (const [index, candidate] of plan.candidates.entries()) {
      const context: PolicyContext = {
        invocationId: 'preview',
        chainId: request.chainId || this.#env.LLM_SERVICE_CHAIN_ID || 'preview',
        agent: request.agent,
        taskType: request.taskType,
        explicit: index === 0 && plan.explicit,
        prompt,
        config,
        maxCostUsd: request.maxCostUsd,
        force: request.force,
      };
      const decisions: PreviewDecision[] = [];
      for (const policy of host.policies) {
        const decision = policy.preview
          ? await policy.preview(candidate, context)
          : await policy.evaluate(candidate, context);
        decisions.push({
          policy: policy.id,
          action: decision.action,
          ...('message' in decision ? { message: decision.message } : {}),
          ...(decision.action === 'rewrite'
            ? { message: decision.reason, rewrittenTo: decision.candidate }
            : {}),
        });
      }
      const usage = estimator
        ? await estimator.forecast({
            agent: request.agent,
            taskType: request.taskType,
            model: candidate.model,
            prompt,
          })
        : undefined;
      const price = config.models[candidate.model];
      candidates.push({
        ...candidate,
        decisions,
        ...(usage ? { estimatedUsage: usage } : {}),
        estimatedCostUsd: usage && price ? computeCostUsd(usage, price) : null,
      });
    }
    return { ...plan, candidates };
  }

  async detect(toolId: string): Promise<DetectResult> {
    const { config, host } = await this.#boot();
    const tool = config.tools[toolId];
    if (!tool) throw new UsageError(`unknown tool '${toolId}'`);
    const adapter = host.adapters.get(tool.adapter);
    if (!adapter) throw new UsageError(`no adapter '${tool.adapter}' is loaded`);
    return adapter.detect(tool, { configDir: config.dir, env: this.#env });
  }

  async exec(request: ExecRequest, options: ExecOptions = {}): Promise<ExecResult> {
    const { config, host } = await this.#boot();
    const started = performance.now();
    const invocationId = randomUUID();
    // `||`: an empty --chain-id or LLM_SERVICE_CHAIN_ID means none; it would otherwise lump unrelated requests into
    // one chain (and one chain budget).
    const chainId = request.chainId || this.#env.LLM_SERVICE_CHAIN_ID || randomUUID();
    const rawPrompt =
      typeof request.prompt === 'string' ? new TextEncoder().encode(request.prompt) : request.prompt;
    const prompt = buildPrompt(rawPrompt, request.context);
    const promptSha256 = createHash('sha256').update(prompt).digest('hex');
    const signal = options.signal ?? new AbortController().signal;
    const now = () => new Date().toISOString();
    const base = (attempt: number) => ({ invocationId, chainId, attempt, at: now() });
    const emit = (event: LlmServiceEvent) => this.events.emit(event);
    const attempts: AttemptSummary[] = [];
    let attemptNumber = 0;
    let outputStarted = false;
    let completed = false;
    /** What the request's attempts cost so far (failed ones included: an escalated request pays for both). */
    let spentUsd = 0;
    /** What the adapters said the user can do about the failures so far (log in, wait for a reset), once each. */
    const hints = new Set<string>();

    const complete = (status: 'success' | 'failed' | 'blocked' | 'cancelled', costUsd = 0) => {
      if (completed) return;
      completed = true;
      emit({
        type: 'request.completed',
        ...base(0),
        agent: request.agent,
        status,
        costUsd,
        latencyMs: Math.round(performance.now() - started),
        attempts: attemptNumber,
      });
    };

    emit({
      type: 'request.received',
      ...base(0),
      project: config.project,
      ...(request.taskId === undefined ? {} : { taskId: request.taskId }),
      agent: request.agent,
      taskType: request.taskType,
      promptSha256,
      promptBytes: prompt.length,
    });
    try {
      const plan = planRoute(config, request);
      emit({
        type: 'route.planned',
        ...base(0),
        agent: request.agent,
        candidates: plan.candidates,
        ...(plan.notice === undefined ? {} : { notice: plan.notice }),
      });

      const candidates = plan.candidates;
      const policyContext = (explicit: boolean): PolicyContext => ({
        invocationId,
        chainId,
        agent: request.agent,
        taskType: request.taskType,
        explicit,
        prompt,
        config,
        maxCostUsd: request.maxCostUsd,
        force: request.force,
      });
      /** Records a candidate a policy blocked; throws when the block ends the request or nothing is left. */
      const skipBlocked = (candidate: Candidate, blocked: Blocked, next: Candidate | undefined): void => {
        attempts.push({
          attempt: attemptNumber,
          tool: candidate.tool,
          model: candidate.model,
          reason: candidate.reason,
          status: 'skipped',
          errorKind: 'policy',
          message: blocked.message,
          latencyMs: 0,
        });
        if (blocked.endsRequest || !next) {
          complete('blocked', spentUsd);
          throw new PolicyBlockedError(blocked.message, blocked.hints);
        }
        emit({
          type: 'fallback.used',
          ...base(attemptNumber),
          from: candidate,
          to: next,
          cause: 'policy',
          message: `${candidate.tool}:${candidate.model} blocked by policy (${blocked.message}); trying ${next.tool}:${next.model}`,
        });
      };

      /**
       * Runs one candidate the policies admitted, with the same-tool retries its tool allows, then settles or
       * releases what the policies hold for it. Resolves with the answer or with the failure that ended the
       * candidate; throws when the request must end at once (cancelled, or failed mid-answer).
       */
      const runCandidate = async (
        candidate: Candidate,
        baseline: Candidate,
        holds: readonly Hold[],
      ): Promise<{ ok: true; result: ExecResult } | { ok: false; error: AdapterError }> => {
        const tool = config.tools[candidate.tool];
        const adapter = tool ? host.adapters.get(tool.adapter) : undefined;
        if (!tool || !adapter) {
          await this.#endHolds(holds, { committed: true, cost: undefined });
          throw new UsageError(`tool '${candidate.tool}' is not configured`);
        }
        const price = config.models[candidate.model];
        /**
         * The cost an attempt is recorded and settled at. When the tool reported a figure that cannot be true, the
         * attempt keeps its answer but its cost is the estimate the budget held (else the price table's figure for
         * the believable part of the usage), marked `estimated`, with what the tool said.
         */
        const recordedCost = (reported: Usage, reportedCostUsd: number | undefined): RecordedCost => {
          const { usage, reportedCostUsd: believed, doubts } = checkReport(reported, reportedCostUsd);
          const computedCostUsd = price ? computeCostUsd(usage, price) : 0;
          const recorded = {
            usage,
            computedCostUsd,
            priceHash: price ? priceHash(candidate.model, price) : '',
          };
          if (doubts.length === 0)
            return {
              ...recorded,
              costUsd: believed ?? computedCostUsd,
              costSource: believed === undefined ? 'computed' : 'tool',
            };
          const held = holds.flatMap((each) => (each.estimateUsd === undefined ? [] : [each.estimateUsd]));
          const estimateUsd = held.length > 0 ? Math.max(...held) : computedCostUsd;
          const counted = `${held.length > 0 ? 'the estimate the budget held' : 'the cost of the rest of its usage'}, $${estimateUsd.toFixed(4)}`;
          this.#logger.warn(
            `warning: ${candidate.tool}:${candidate.model} reported ${doubts.join(', ')}, which cannot be true; ` +
              `counting ${counted} instead`,
          );
          return {
            ...recorded,
            costUsd: estimateUsd,
            costSource: 'estimated',
            note: `the tool reported ${doubts.join(', ')}; counted ${counted}`,
          };
        };
        /** What the candidate's attempts spent, and whether every sink committed each attempt's record. */
        const spending: Spending = { committed: true, cost: undefined };
        /**
         * Records how an attempt ended, and commits its record before its cost may be settled (needless when nothing
         * is held).
         */
        const finishAttempt = async (
          summary: AttemptSummary,
          outcome: AttemptCost['outcome'],
          cost: RecordedCost | undefined,
        ) => {
          attempts.push(summary);
          if (cost) spentUsd += cost.costUsd;
          spending.cost = addCost(spending.cost, outcome, cost);
          if (holds.length > 0 && !(await host.commitSinks((name, error) => this.#warnFailed(name, error))))
            spending.committed = false;
        };
        try {
          for (let retries = 0; ; retries++) {
            attemptNumber += 1;
            const attempt = attemptNumber;
            const reason: RouteReason = retries > 0 ? 'retry' : candidate.reason;
            const attemptStarted = performance.now();
            emit({
              type: 'invocation.started',
              ...base(attempt),
              project: config.project,
              ...(request.taskId === undefined ? {} : { taskId: request.taskId }),
              agent: request.agent,
              taskType: request.taskType,
              tool: candidate.tool,
              model: candidate.model,
              reason,
              baselineModel: baseline.model,
              pid: process.pid,
              promptSha256,
              promptBytes: prompt.length,
              forceReason: request.force?.reason,
            });
            if (adapter.reportsUsage?.(tool) === false) void this.#prepareEstimator();
            try {
              const result = await this.#runAttempt(
                adapter,
                {
                  invocationId,
                  chainId,
                  attempt,
                  agent: request.agent,
                  taskType: request.taskType,
                  toolId: candidate.tool,
                  tool,
                  model: candidate.model,
                  prompt,
                  timeoutMs: (request.timeoutS ?? tool.timeout_s) * 1000,
                  adapterOptions: config.agents[request.agent]?.adapter_options[tool.adapter],
                  configDir: config.dir,
                  maxBudgetUsd: request.maxCostUsd,
                  env: this.#env,
                },
                signal,
                (text) => {
                  outputStarted = true;
                  options.onText?.(text);
                  emit({ type: 'invocation.output', ...base(attempt), text });
                },
              );
              const latencyMs = Math.round(performance.now() - attemptStarted);
              const cost =
                result.usageReported === false && result.reportedCostUsd === undefined
                  ? await this.#unreportedCost(candidate, {
                      agent: request.agent,
                      prompt,
                      answer: result.text,
                    })
                  : recordedCost(result.usage, result.reportedCostUsd);
              const baselinePrice = config.models[baseline.model];
              emit({
                type: 'invocation.succeeded',
                ...base(attempt),
                agent: request.agent,
                tool: candidate.tool,
                model: candidate.model,
                reason,
                usage: cost.usage,
                costUsd: cost.costUsd,
                costSource: cost.costSource,
                ...(cost.note === undefined ? {} : { costNote: cost.note }),
                computedCostUsd: cost.computedCostUsd,
                priceHash: cost.priceHash,
                baselineModel: baseline.model,
                baselineCostUsd: baselinePrice ? computeCostUsd(cost.usage, baselinePrice) : undefined,
                latencyMs,
                exitCode: result.exitCode,
                sessionId: result.sessionId,
                turns: result.turns,
                text: result.text,
              });
              await finishAttempt(
                {
                  attempt,
                  tool: candidate.tool,
                  model: candidate.model,
                  reason,
                  status: 'success',
                  latencyMs,
                },
                'success',
                cost,
              );
              return {
                ok: true,
                result: {
                  text: result.text,
                  agent: request.agent,
                  tool: candidate.tool,
                  model: candidate.model,
                  reason,
                  usage: cost.usage,
                  costUsd: cost.costUsd,
                  costSource: cost.costSource,
                  latencyMs: Math.round(performance.now() - started),
                  invocationId,
                  chainId,
                  attempts,
                },
              };
            } catch (caught) {
              const error =
                signal.aborted && !isAdapterError(caught)
                  ? new AdapterError('cancelled', 'cancelled')
                  : toAdapterError(caught);
              if (error.hint) hints.add(error.hint);
              const latencyMs = Math.round(performance.now() - attemptStarted);
              const cost =
                error.usage || error.reportedCostUsd !== undefined
                  ? recordedCost(error.usage ?? emptyUsage, error.reportedCostUsd)
                  : undefined;
              emit({
                type: 'invocation.failed',
                ...base(attempt),
                agent: request.agent,
                tool: candidate.tool,
                model: candidate.model,
                reason,
                errorKind: error.kind,
                message: error.message,
                latencyMs,
                exitCode: error.toolExitCode,
                ...(cost ? { cost } : {}),
              });
              await finishAttempt(
                {
                  attempt,
                  tool: candidate.tool,
                  model: candidate.model,
                  reason,
                  status: 'failed',
                  errorKind: error.kind,
                  message: error.message,
                  latencyMs,
                },
                error.kind === 'cancelled' ? 'cancelled' : 'failed',
                cost,
              );
              if (error.kind === 'cancelled' || signal.aborted) {
                complete('cancelled', spentUsd);
                throw new CancelledError('cancelled', ExitCode.interrupted);
              }
              if (outputStarted) {
                complete('failed', spentUsd);
                throw new RequestFailedError(
                  'E_REQUEST_FAILED',
                  `${describeFailure(candidate, error)} after its answer had started: ${error.message}`,
                  {
                    hint: 'the partial answer above is incomplete; run the request again',
                    cause: error,
                  },
                );
              }
              if (error.retrySameTool && retries < tool.retry.max) {
                await sleep(tool.retry.base_ms * 2 ** retries, signal).catch((cancel: unknown) => {
                  complete('cancelled', spentUsd);
                  throw cancel;
                });
                continue;
              }
              return { ok: false, error };
            }
          }
        } finally {
          // On every way out (answer, failure, cancel, a throwing subscriber): the holds end here, after the cost
          // they cover was committed.
          await this.#endHolds(holds, spending);
        }
      };

      for (const [index, planned] of candidates.entries()) {
        // A Ctrl-C during a long step (loading the config, a policy estimating a large prompt) is seen once the step
        // ends; the request ends there, before the next step starts, rather than at the tool.
        if (signal.aborted) {
          complete('cancelled', spentUsd);
          throw new CancelledError('cancelled', ExitCode.interrupted);
        }
        const next = candidates[index + 1];
        const decided = await this.#gate(
          host.policies,
          planned,
          policyContext(index === 0 && plan.explicit),
          request.yes === true,
          attemptNumber,
        );
        if (decided.outcome === 'block') {
          skipBlocked(planned, decided, next);
          continue;
        }
        let candidate = decided.candidate;
        let holds = decided.holds;
        // The candidate a policy replaced with another model: escalated to, once, if the replacement fails or
        // answers nothing, as long as no answer byte has reached the caller (DESIGN section 1).
        let replaced = decided.replaced;
        let answered: ExecResult | undefined;
        for (;;) {
          const outcome = await runCandidate(candidate, planned, holds);
          const empty = outcome.ok && outcome.result.text.trim().length === 0;
          if (outcome.ok && !(empty && replaced)) {
            complete('success', spentUsd);
            return outcome.result;
          }
          if (outcome.ok) answered = outcome.result;
          const error = outcome.ok ? undefined : outcome.error;
          // A tool that is missing or not logged in fails the same way on any model.
          const toolLevel =
            error !== undefined &&
            (error.kind === 'not-installed' || error.kind === 'auth') &&
            replaced?.tool === candidate.tool;
          if (replaced && !toolLevel) {
            const escalation: Candidate = {
              tool: replaced.tool,
              model: replaced.model,
              reason: 'escalation',
            };
            replaced = undefined;
            emit({
              type: 'fallback.used',
              ...base(attemptNumber),
              from: candidate,
              to: escalation,
              cause: error?.kind ?? 'bad-output',
              message: `${error ? describeFailure(candidate, error) : `${candidate.tool}:${candidate.model} answered nothing`}; escalating to ${escalation.tool}:${escalation.model}`,
            });
            const escalated = await this.#gate(
              host.policies,
              escalation,
              policyContext(true),
              request.yes === true,
              attemptNumber,
            );
            if (escalated.outcome === 'run') {
              candidate = escalated.candidate;
              holds = escalated.holds;
              continue;
            }
            // The escalation is blocked: an empty answer is still an answer; a failure moves on.
            if (answered && !escalated.endsRequest) {
              complete('success', spentUsd);
              return answered;
            }
            skipBlocked(escalation, escalated, next);
            break;
          }
          if (outcome.ok) {
            complete('success', spentUsd);
            return outcome.result;
          }
          if (!outcome.error.fallback) {
            complete('failed', spentUsd);
            throw new RequestFailedError(
              'E_REQUEST_FAILED',
              `${describeFailure(candidate, outcome.error)}: ${outcome.error.message}`,
              { cause: outcome.error, ...(outcome.error.hint ? { hint: outcome.error.hint } : {}) },
            );
          }
          if (next) {
            emit({
              type: 'fallback.used',
              ...base(attemptNumber),
              from: candidate,
              to: next,
              cause: outcome.error.kind,
              message: `${describeFailure(candidate, outcome.error)}; trying ${next.tool}:${next.model}`,
            });
          }
          break;
        }
      }
      complete('failed', spentUsd);
      const tried = attempts
        .map(
          (attempt) =>
            `${attempt.tool}:${attempt.model} (${attempt.errorKind ?? attempt.status}${attempt.message ? `: ${attempt.message}` : ''})`,
        )
        .join(', ');
      throw new RequestFailedError(
        'E_NO_AVAILABLE_TOOL',
        `no available tool for agent '${request.agent}': tried ${tried}`,
        {
          hint:
            hints.size > 0
              ? [...hints].join('; ')
              : 'run `llm-service tools` to see what is installed, or add a fallback_chain entry for this agent',
        },
      );
    } catch (error) {
      // Whatever the loop does not handle itself (an unknown agent, a policy that throws, a rewrite to a tool that is
      // not configured) still ends the request for subscribers: every request.received gets one request.completed.
      complete(signal.aborted ? 'cancelled' : 'failed', spentUsd);
      throw error;
    }
  }

  /**
   * Passes a candidate through every policy: each evaluates it (a rewrite changes what the next one sees, a block
   * ends the gate), then every policy with a lifecycle reserves on the candidate that will run, and only then are
   * the confirmations asked, so a block by any of them comes before a question, and a declined one releases what was
   * reserved.
   * `policies` come from the exec's own boot: calling #boot() here would reject once dispose() has started.
   */
  async #gate(
    policies: readonly PolicyV2[],
    planned: Candidate,
    context: PolicyContext,
    yes: boolean,
    attempt: number,
  ): Promise<
    | { outcome: 'run'; candidate: Candidate; replaced: Candidate | undefined; holds: Hold[] }
    | ({ outcome: 'block' } & Blocked)
  > {
    let candidate = planned;
    let replaced: Candidate | undefined;
    const confirmations: { policy: string; candidate: Candidate; message: string }[] = [];
    const base = () => ({
      invocationId: context.invocationId,
      chainId: context.chainId,
      attempt,
      at: new Date().toISOString(),
    });
    const decided = (policy: string, decision: PolicyDecision, on: Candidate) =>
      this.events.emit({
        type: 'policy.decided',
        ...base(),
        policy,
        candidate: on,
        action: decision.action,
        ...(decision.action === 'allow'
          ? {}
          : { message: decision.action === 'rewrite' ? decision.reason : decision.message }),
        ...(decision.action === 'rewrite' ? { rewrittenTo: decision.candidate } : {}),
        ...(decision.action === 'rewrite' && decision.details ? { details: decision.details } : {}),
      });
    const warned = (policy: string, on: Candidate, message: string) =>
      this.events.emit({ type: 'budget.warned', ...base(), policy, candidate: on, message });
    const blocked = (policy: string, on: Candidate, block: Blocked): { outcome: 'block' } & Blocked => {
      this.events.emit({ type: 'budget.blocked', ...base(), policy, candidate: on, ...block });
      return { outcome: 'block', ...block };
    };

    for (const policy of policies) {
      const decision = await policy.evaluate(candidate, context);
      if (decision.action === 'rewrite' && context.explicit) {
        // Explicit choices (--tool, --model, a task type) are never rewritten (DESIGN section 3).
        this.events.emit({
          type: 'policy.decided',
          ...base(),
          policy: policy.id,
          candidate,
          action: 'allow',
          message: `not rewritten: ${candidate.tool}:${candidate.model} was chosen explicitly`,
        });
        continue;
      }
      decided(policy.id, decision, candidate);
      switch (decision.action) {
        case 'allow':
          break;
        case 'warn':
          warned(policy.id, candidate, decision.message);
          break;
        case 'confirm':
          if (yes) break;
          if (!this.#options.confirm) warned(policy.id, candidate, decision.message);
          else confirmations.push({ policy: policy.id, candidate, message: decision.message });
          break;
        case 'rewrite':
          if (
            replaced === undefined &&
            (decision.candidate.tool !== candidate.tool || decision.candidate.model !== candidate.model)
          )
            replaced = candidate;
          candidate = decision.candidate;
          break;
        case 'block':
          return blocked(policy.id, candidate, {
            message: decision.message,
            hints: decision.hints,
            endsRequest: decision.endsRequest,
          });
      }
    }

    const holds: Hold[] = [];
    try {
      for (const policy of policies) {
        const reservation = await policy.reserve?.(candidate, context);
        if (!reservation) continue;
        if (reservation.action === 'block') {
          decided(policy.id, reservation, candidate);
          await this.#endHolds(holds, { committed: true, cost: undefined });
          return blocked(policy.id, candidate, reservation);
        }
        holds.push({ policy, hold: reservation.hold, estimateUsd: reservation.estimateUsd });
        if (reservation.warning !== undefined) warned(policy.id, candidate, reservation.warning);
      }
      const ask = this.#options.confirm;
      for (const confirmation of confirmations) {
        if (ask && !(await ask(confirmation.message))) {
          await this.#endHolds(holds, { committed: true, cost: undefined });
          const message = `declined: ${confirmation.message}`;
          return blocked(confirmation.policy, confirmation.candidate, {
            message,
            hints: [],
            endsRequest: true,
          });
        }
      }
    } catch (error) {
      await this.#endHolds(holds, { committed: true, cost: undefined });
      throw error;
    }
    return { outcome: 'run', candidate, replaced, holds };
  }

  /**
   * Settles each hold at what its attempts cost, or releases it when they cost nothing. When a sink failed to commit
   * an attempt, neither: the reservation stays held (until the process ends), so the cost is still counted.
   */
  async #endHolds(holds: readonly Hold[], spending: Spending): Promise<void> {
    if (holds.length === 0) return;
    if (!spending.committed) {
      this.#logger.warn(
        'warning: the cost of this request could not be recorded; its budget reservation stays held until this process ends',
      );
      return;
    }
    const { cost } = spending;
    for (const { policy, hold } of holds) {
      try {
        if (cost && (cost.costUsd > 0 || cost.outcome === 'success')) await policy.settle?.(hold, cost);
        else await policy.release?.(hold);
      } catch (error) {
        this.#warnFailed(`policy ${policy.id} (settling its reservation)`, error);
      }
    }
  }

  #warnFailed(name: string, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.#logger.warn(`warning: ${name} failed: ${reason}`);
  }

  #runAttempt(
    adapter: ToolAdapterV1,
    request: Parameters<ToolAdapterV1['invoke']>[0],
    signal: AbortSignal,
    onText: (text: string) => void,
  ): Promise<InvocationResult> {
    return new Promise((resolve, reject) => {
      // An aborted signal never fires 'abort' again: without this check the tool would start after a cancel.
      if (signal.aborted) return reject(new AdapterError('cancelled', 'cancelled'));
      let result: InvocationResult | undefined;
      let subscription: Subscription | undefined;
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        subscription?.unsubscribe();
        outcome();
      };
      const onAbort = () => settle(() => reject(new AdapterError('cancelled', 'cancelled')));
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        subscription = adapter.invoke(request, signal).subscribe({
          next: (event: AdapterEvent) => {
            try {
              if (event.type === 'output') {
                if (event.text.length > 0) onText(event.text);
              } else if (event.type === 'result') {
                result = event.result;
              }
            } catch (error) {
              // The caller's onText threw (e.g. a closed stdout). rxjs would rethrow it asynchronously and kill the
              // process; instead the attempt fails, and unsubscribing stops the tool.
              const message = error instanceof Error ? error.message : String(error);
              settle(() =>
                reject(
                  new AdapterError('tool-error', `the answer could not be delivered: ${message}`, {
                    fallback: false,
                    cause: error,
                  }),
                ),
              );
            }
          },
          error: (error: unknown) => settle(() => reject(error)),
          complete: () =>
            settle(() => {
              if (result) resolve(result);
              else
                reject(new AdapterError('bad-output', `adapter '${adapter.id}' finished without a result`));
            }),
        });
        // Settled while subscribing (a synchronous observable), before `subscription` was assigned.
        if (settled) subscription.unsubscribe();
      } catch (error) {
        settle(() => reject(error));
      }
    });
  }

  /** Flushes sinks and disposes plugins; safe to call more than once (normal exit, SIGINT, SIGTERM). */
  async dispose(): Promise<void> {
    // Every caller (normal exit and a signal handler, say) waits for the one disposal to finish, so none exits
    // before sinks have flushed.
    this.#disposing ??= this.#dispose();
    return this.#disposing;
  }

  async #dispose(): Promise<void> {
    this.#disposed = true;
    const booting = this.#booting;
    if (booting) {
      const booted = await booting.catch(() => undefined);
      await booted?.host.dispose((name, error) => {
        const reason = error instanceof Error ? error.message : String(error);
        this.#logger.warn(`warning: ${name} failed to dispose: ${reason}`);
      });
    }
    this.events.complete();
  }
}

function toAdapterError(error: unknown): AdapterError {
  if (isAdapterError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AdapterError('tool-error', `adapter failed: ${message}`, { cause: error });
}

export function createKernel(options: KernelOptions = {}): Kernel {
  return new Kernel(options);
}
