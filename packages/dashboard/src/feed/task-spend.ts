import type { InvocationRecord, TelemetryQueryV1 } from '@llm-service/spec';
import type { TaskSpend } from '../model.js';

/** More attempts than any task makes; a task past it shows the newest this many. */
const MAX_ATTEMPTS_READ = 1_000;

/**
 * What one task has spent so far, from telemetry: every attempt recorded with its id (the runner records the task id
 * on every attempt, by whichever process), the running ones counted as running. Read by the task id's index, so it
 * costs the same on a database of a million rows. Null when telemetry has no attempt of the task.
 */
export async function readTaskSpend(query: TelemetryQueryV1, taskId: string): Promise<TaskSpend | null> {
  const records = await query.invocations({ taskId, limit: MAX_ATTEMPTS_READ });
  return records.length === 0 ? null : sumAttempts(records);
}

export function sumAttempts(records: readonly InvocationRecord[]): TaskSpend {
  const spend: TaskSpend = {
    source: 'telemetry',
    attempts: records.length,
    running: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    estimated: false,
    unknownCosts: 0,
    tool: null,
    model: null,
  };
  let latest = '';
  for (const record of records) {
    if (record.status === 'running') spend.running++;
    spend.inputTokens += record.inputTokens;
    spend.outputTokens += record.outputTokens;
    spend.cacheReadTokens += record.cacheReadTokens;
    spend.cacheWriteTokens += record.cacheWriteTokens;
    if (record.costSource === 'unknown') spend.unknownCosts++;
    else spend.costUsd += record.costUsd ?? 0;
    if (record.costSource === 'estimated') spend.estimated = true;
    if (record.startedAt >= latest) {
      latest = record.startedAt;
      spend.tool = record.tool;
      spend.model = record.model;
    }
  }
  return spend;
}
