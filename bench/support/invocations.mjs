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

/**
 * What the sink is handed for invocation `index`, as the kernel hands it: the attempt's `invocation.started` event,
 * then its record when it ended (plugin API 1.7).
 */
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
  const record = {
    ...base,
    project: 'default',
    agent,
    ...(started.taskType === undefined ? {} : { taskType: started.taskType }),
    tool,
    model,
    reason: 'preferred',
    baselineModel: model,
    startedAt: started.at,
    finishedAt,
    latencyMs,
    promptSha256,
    promptBytes: started.promptBytes,
    pid: started.pid,
    exitCode: 1,
  };
  const roll = next();
  if (roll < 0.05) {
    const errorKind = roll < 0.02 ? 'timeout' : 'rate-limit';
    return [
      started,
      {
        ...record,
        status: errorKind === 'timeout' ? 'timeout' : 'failed',
        errorKind,
        message: 'ERROR: exceeded retry limit, last status: 429 Too Many Requests',
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
      ...record,
      status: 'success',
      cost: {
        usage,
        costUsd: reported ? computed * 1.01 : computed,
        costSource: reported ? 'tool' : 'computed',
        computedCostUsd: computed,
        priceHash: 'abcdef123456',
      },
      baselineCostUsd: computed,
      exitCode: 0,
      text: 'answer',
    },
  ];
}

/** The finished row the sink writes for that start and record, as INSERT parameters (the raw baseline's input). */
export function rowFor([started, finished], keyedHash) {
  const success = finished.status === 'success';
  const usage = finished.cost?.usage ?? {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
  return [
    started.invocationId,
    started.chainId,
    1,
    started.at,
    finished.finishedAt,
    started.agent,
    started.taskType ?? null,
    started.tool,
    started.model,
    started.reason,
    finished.status,
    success ? null : finished.errorKind,
    success ? null : finished.message,
    usage.inputTokens,
    usage.outputTokens,
    usage.cacheReadTokens,
    usage.cacheWriteTokens,
    usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens,
    finished.cost?.costUsd ?? null,
    finished.cost?.costSource ?? null,
    finished.cost?.computedCostUsd ?? null,
    finished.cost?.priceHash ?? null,
    started.baselineModel,
    finished.baselineCostUsd ?? null,
    finished.latencyMs,
    finished.exitCode,
    null,
    null,
    keyedHash,
    Math.ceil(started.promptBytes / 4),
    null,
    started.pid,
    started.project ?? 'default',
    null,
    finished.billing ?? started.billing ?? 'api',
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
