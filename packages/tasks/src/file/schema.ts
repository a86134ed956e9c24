import { lazySchema, taskPriorities, taskStatuses, z } from '@llm-service/spec';

/** Larger files are not parsed: a task is a page of YAML, and parsing megabytes would stall every reader. */
export const MAX_TASK_FILE_BYTES = 1024 * 1024;

/** ISO 8601 in UTC with `Z`, to the second or finer: `2026-12-01T09:30:00Z`. */
const isoUtcPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?Z$/;

/** True for an ISO 8601 UTC time with `Z` that names a real instant (no 25:00 or 30 February). */
export function isIsoUtc(value: string): boolean {
  const match = isoUtcPattern.exec(value);
  if (!match) return false;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const date = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}

const text = lazySchema(() => z.string().min(1));
const optionalText = lazySchema(() => z.string().nullish());
const textList = lazySchema(() => z.array(z.string()).nullish());
const count = lazySchema(() => z.number().int().min(0));
const timestamp = lazySchema(() => z.string().refine(isIsoUtc, { message: 'timestamp' }));

export const tokensSchema = lazySchema(() =>
  z.looseObject({
    input: count.nullish(),
    output: count.nullish(),
    cache_read: count.nullish(),
    cache_write: count.nullish(),
  }),
);

export const resultSchema = lazySchema(() =>
  z.looseObject({
    summary: optionalText,
    artefacts: textList,
    next_agent: optionalText,
    next_task_title: optionalText,
    next_task_notes: optionalText,
    tool: optionalText,
    model: optionalText,
    attempts: count.nullish(),
    tokens: tokensSchema.nullish(),
    cost_usd: z.number().min(0).nullish(),
    chain_id: optionalText,
    answer: optionalText,
  }),
);

export const errorSchema = lazySchema(() =>
  z.looseObject({
    message: z.string(),
    kind: text,
    attempts: count.nullish(),
    at: timestamp,
  }),
);

export const contextSchema = lazySchema(() =>
  z.looseObject({
    notes: optionalText,
    files: textList,
  }),
);

/**
 * The task file as YAML holds it (snake_case keys). Keys it does not name are the team's own and pass through
 * untouched. `id` is checked apart: a task's id is its file's stem, whatever the file says.
 */
export const taskFileSchema = lazySchema(() =>
  z.looseObject({
    agent: text,
    status: z.enum(taskStatuses),
    title: text,
    priority: z.enum(taskPriorities).nullish(),
    task_type: optionalText,
    description: optionalText,
    acceptance_criteria: textList,
    context: contextSchema.nullish(),
    depends_on: textList,
    created_at: timestamp,
    assigned_at: timestamp.nullish(),
    started_at: timestamp.nullish(),
    completed_at: timestamp.nullish(),
    result: resultSchema.nullish(),
    error: errorSchema.nullish(),
  }),
);
export type TaskFileFields = z.output<typeof taskFileSchema>;

/** The keys the file format knows at each level: others are kept as they are (a near miss gets a did-you-mean). */
export const knownKeys: Readonly<Record<string, readonly string[]>> = {
  get ''() {
    return ['id', ...Object.keys(taskFileSchema.shape)];
  },
  get context() {
    return Object.keys(contextSchema.shape);
  },
  get result() {
    return Object.keys(resultSchema.shape);
  },
  get 'result.tokens'() {
    return Object.keys(tokensSchema.shape);
  },
  get error() {
    return Object.keys(errorSchema.shape);
  },
};

/** The order new keys are written in: a key the file lacks goes after the last key before it in this order. */
export const canonicalOrder: Readonly<Record<string, readonly string[]>> = {
  '': [
    'id',
    'agent',
    'status',
    'title',
    'priority',
    'task_type',
    'description',
    'acceptance_criteria',
    'context',
    'depends_on',
    'created_at',
    'assigned_at',
    'started_at',
    'completed_at',
    'result',
    'error',
  ],
  get result() {
    return knownKeys.result ?? [];
  },
  get error() {
    return knownKeys.error ?? [];
  },
  get context() {
    return knownKeys.context ?? [];
  },
};

/** What each field holds and an example, for the fix half of a problem's message. */
export const fieldHelp: Readonly<Record<string, { holds: string; example: string }>> = {
  id: { holds: "text: the file's name without .yaml", example: 'id: <the file name>' },
  agent: { holds: 'the name of an agent of agents.yaml', example: 'agent: writer' },
  status: { holds: `one of ${taskStatuses.join(', ')}`, example: 'status: new' },
  title: { holds: 'one line of text', example: 'title: Draft the release notes' },
  priority: { holds: `one of ${taskPriorities.join(', ')}`, example: 'priority: normal' },
  task_type: { holds: 'text: a task type of the agent', example: 'task_type: review' },
  description: { holds: 'markdown text', example: 'description: | (then the text, indented)' },
  acceptance_criteria: { holds: 'a list of text', example: "acceptance_criteria: ['the tests pass']" },
  context: { holds: 'a map with notes and files', example: 'context: { notes: …, files: [docs/api.md] }' },
  'context.notes': { holds: 'text', example: 'notes: what the agent should know' },
  'context.files': {
    holds: 'a list of paths relative to the project',
    example: 'files: [docs/api.md, src/server.ts]',
  },
  depends_on: { holds: 'a list of task ids', example: 'depends_on: [2026-12-01T0930-architect-design]' },
  created_at: { holds: 'an ISO 8601 UTC time', example: 'created_at: 2026-12-01T09:30:00Z' },
  assigned_at: { holds: 'an ISO 8601 UTC time', example: 'assigned_at: 2026-12-01T09:30:00Z' },
  started_at: { holds: 'an ISO 8601 UTC time', example: 'started_at: 2026-12-01T09:30:00Z' },
  completed_at: { holds: 'an ISO 8601 UTC time', example: 'completed_at: 2026-12-01T09:30:00Z' },
  result: { holds: 'a map (summary, artefacts, next_agent, …)', example: 'result: { summary: … }' },
  'result.summary': { holds: 'text', example: 'summary: what was done' },
  'result.artefacts': { holds: 'a list of paths', example: 'artefacts: [docs/releases/0.1.md]' },
  'result.next_agent': { holds: 'the name of an agent', example: 'next_agent: reviewer' },
  'result.tokens': {
    holds: 'a map of whole numbers',
    example: 'tokens: { input: 1200, output: 300, cache_read: 0, cache_write: 0 }',
  },
  'result.attempts': { holds: 'a whole number, 0 or more', example: 'attempts: 1' },
  'result.cost_usd': { holds: 'a number of dollars, 0 or more', example: 'cost_usd: 0.012' },
  error: {
    holds: 'a map with message, kind and at',
    example: 'error: { message: …, kind: tool-error, at: … }',
  },
  'error.message': { holds: 'text', example: 'message: what went wrong' },
  'error.kind': { holds: 'a short word', example: 'kind: tool-error' },
  'error.at': { holds: 'an ISO 8601 UTC time', example: 'at: 2026-12-01T09:30:00Z' },
  'error.attempts': { holds: 'a whole number, 0 or more', example: 'attempts: 1' },
};
