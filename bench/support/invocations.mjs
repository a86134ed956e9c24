// The invocations the benchmarks fill telemetry databases with: the kernel's events for each, and the row the
// SQLite sink writes for them (for raw inserts). Deterministic, so every side of a comparison gets the same rows.
export const models = [
  ['claude', 'claude-sonnet-4-5', 3, 15],
  ['claude', 'claude-opus-4-5', 15, 75],
  ['claude', 'claude-haiku-4-5', 1, 5],
  ['codex', 'gpt-5', 1.25, 10],
  ['codex', 'gpt-5-mini', 0.25, 2],
  ['ollama', 'qwen2.5:7b', 0, 0],
];
export const agents = ['architect', 'backend-dev', 'frontend-dev', 'reviewer', 'writer'];

/** A deterministic pseudo-random sequence, so both sides insert exactly the same rows. */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * `totalRows` invocations over a few agents, tools and models, spread evenly from `start` (default: the first of
 * `now`'s month, UTC) to a minute before `now`.
 */
export function monthOfInvocations({ totalRows, now = new Date(), start }) {
  const monthStart = start ?? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const span = Math.max(now.getTime() - monthStart - 60_000, 60_000);
  return { monthStart, eventsFor: (index, next) => eventsFor(index, next, { totalRows, monthStart, span }) };
}

/** The events of invocation `index`: a started and a finished event, as the kernel emits them. */
function eventsFor(index, next, { totalRows, monthStart, span }) {
  const [tool, model, inputPrice, outputPrice] = models[Math.floor(next() * models.length)];
  const agent = agents[Math.floor(next() * agents.length)];
  const startedAt = monthStart + Math.floor((index / totalRows) * span);
  const latencyMs = Math.round(300 + next() * next() * 20_000);
  const invocationId = `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
  const base = { invocationId, chainId: `chain-${Math.floor(index / 3)}`, attempt: 1 };
  const promptSha256 = index.toString(16).padStart(64, '0');
  const started = {
    type: 'invocation.started',
    ...base,
    at: new Date(startedAt).toISOString(),
    project: 'default',
    agent,
    taskType: next() < 0.3 ? 'review' : undefined,
    tool,
    model,
    reason: 'preferred',
    baselineModel: model,
    pid: 1000 + (index % 8),
    promptSha256,
    promptBytes: 2000 + Math.floor(next() * 8000),
  };
  const finishedAt = new Date(startedAt + latencyMs).toISOString();
  const roll = next();
  if (roll < 0.05) {
    return [
      started,
      {
        type: 'invocation.failed',
        ...base,
        at: finishedAt,
        agent,
        tool,
        model,
        reason: 'preferred',
        errorKind: roll < 0.02 ? 'timeout' : 'rate-limit',
        message: 'ERROR: exceeded retry limit, last status: 429 Too Many Requests',
        latencyMs,
        exitCode: 1,
      },
    ];
  }
  const usage = {
    inputTokens: Math.floor(500 + next() * 5000),
    outputTokens: Math.floor(100 + next() * 2000),
    cacheReadTokens: Math.floor(next() * 20000),
    cacheWriteTokens: Math.floor(next() * 2000),
  };
  const computed = (usage.inputTokens * inputPrice + usage.outputTokens * outputPrice) / 1e6;
  const reported = tool === 'claude';
  return [
    started,
    {
      type: 'invocation.succeeded',
      ...base,
      at: finishedAt,
      agent,
      tool,
      model,
      reason: 'preferred',
      usage,
      costUsd: reported ? computed * 1.01 : computed,
      costSource: reported ? 'tool' : 'computed',
      computedCostUsd: computed,
      priceHash: 'abcdef123456',
      baselineModel: model,
      baselineCostUsd: computed,
      latencyMs,
      exitCode: 0,
      sessionId: undefined,
      turns: undefined,
      text: 'answer',
    },
  ];
}

/** The finished row the sink writes for those events, as INSERT parameters (the raw baseline's input). */
export function rowFor([started, finished], keyedHash) {
  const success = finished.type === 'invocation.succeeded';
  const usage = success
    ? finished.usage
    : { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  return [
    started.invocationId,
    started.chainId,
    1,
    started.at,
    finished.at,
    started.agent,
    started.taskType ?? null,
    started.tool,
    started.model,
    started.reason,
    success ? 'success' : finished.errorKind === 'timeout' ? 'timeout' : 'failed',
    success ? null : finished.errorKind,
    success ? null : finished.message,
    usage.inputTokens,
    usage.outputTokens,
    usage.cacheReadTokens,
    usage.cacheWriteTokens,
    usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens,
    success ? finished.costUsd : null,
    success ? finished.costSource : null,
    success ? finished.computedCostUsd : null,
    success ? finished.priceHash : null,
    started.baselineModel,
    success ? finished.baselineCostUsd : null,
    finished.latencyMs,
    finished.exitCode,
    null,
    null,
    keyedHash,
    Math.ceil(started.promptBytes / 4),
    null,
    started.pid,
    started.project ?? 'default',
  ];
}

export function openRaw(path, { TelemetryStore, Database }) {
  // The same schema and pragmas as the sink's database: let the store create and migrate it, then reopen raw.
  const store = new TelemetryStore({ path });
  store.open();
  const secret = store.open().prepare("SELECT value FROM meta WHERE key = 'prompt_hash_secret'").get().value;
  store.close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return { db, secret };
}
