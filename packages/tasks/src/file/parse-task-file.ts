import { createHash } from 'node:crypto';
import { type TaskErrorV1, type TaskResultV1, type TaskStatus, type TaskV1, type z } from '@llm-service/spec';
import { closestMatch, decodeUtf8 } from '@llm-service/plugin-kit';
import { isMap, type Document, type LineCounter } from 'yaml';
import {
  compareIssues,
  describeValue,
  formatIssue,
  type IssueSeverity,
  type TaskFileIssue,
} from './issues.js';
import {
  agentNamePattern,
  keyFor,
  placeAgrees,
  statusesOfFolder,
  taskIdPattern,
  type TaskLocation,
} from './layout.js';
import { fieldHelp, knownKeys, MAX_TASK_FILE_BYTES, taskFileSchema, type TaskFileFields } from './schema.js';
import { normalizeTimestamp } from './timestamps.js';
import { keysAt, parseTaskYaml, positionOf } from './yaml-edit.js';

/** A task file as read: its bytes and revision, its document (when it parsed), the task (unless fatal), its issues. */
export interface ParsedTaskFile {
  location: TaskLocation;
  bytes: Buffer;
  /** sha256 of the bytes, hex. */
  revision: string;
  /** The parsed document when the file is a YAML map: what a rewrite edits. */
  document: Document.Parsed | undefined;
  lineCounter: LineCounter | undefined;
  /** The task, unless an issue is fatal. */
  task: TaskV1 | undefined;
  issues: TaskFileIssue[];
  /** What `tasks migrate` would rewrite (the old shape): empty for a file in the current shape. */
  oldShape: readonly OldShapeFeature[];
}

export type OldShapeFeature = 'id' | 'created' | 'updated' | 'result-text' | 'error-text' | 'timestamps';

export interface ParseTaskOptions {
  /** The configuration's agents: a task for another gets an error (with a did-you-mean). Unchecked when absent. */
  agents?: readonly string[];
}

export function revisionOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The stamp a status sets, which the old shape's `updated` stood for. */
const stampOfStatus: Partial<Record<TaskStatus, 'assigned_at' | 'started_at' | 'completed_at'>> = {
  assigned: 'assigned_at',
  in_progress: 'started_at',
  done: 'completed_at',
  error: 'completed_at',
};
export function stampKeyOf(status: TaskStatus): 'assigned_at' | 'started_at' | 'completed_at' | undefined {
  return stampOfStatus[status];
}

const timestampKeys = ['created_at', 'assigned_at', 'started_at', 'completed_at'] as const;

/**
 * Reads one task file. Never throws for what the file says: every problem is an issue with its line and column, and
 * a fatal one leaves `task` undefined (the file is skipped, never rewritten). Cross-file checks (duplicate ids,
 * dependencies) and the checks of `context.files` against the disk are the store's.
 */
export function parseTaskFile(
  location: TaskLocation,
  bytes: Buffer,
  options: ParseTaskOptions = {},
): ParsedTaskFile {
  const revision = revisionOf(bytes);
  const issues: TaskFileIssue[] = [];
  const result: ParsedTaskFile = {
    location,
    bytes,
    revision,
    document: undefined,
    lineCounter: undefined,
    task: undefined,
    issues,
    oldShape: [],
  };
  const add = (
    severity: IssueSeverity,
    position: { line: number; column: number },
    field: string,
    message: string,
    fix: string,
  ) => issues.push({ path: location.key, ...position, field, message, fix, severity });
  const top = { line: 1, column: 1 };

  if (bytes.byteLength > MAX_TASK_FILE_BYTES) {
    add(
      'fatal',
      top,
      'file',
      `the file is ${bytes.byteLength.toLocaleString('en-US')} bytes, more than the 1 MiB a task file may have`,
      'move long text into a file of the project and name it in context.files',
    );
    return result;
  }
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    add('fatal', { line: decoded.line, column: 1 }, 'file', 'the file is not UTF-8 text', 'save it as UTF-8');
    return result;
  }
  const { document, lineCounter } = parseTaskYaml(decoded.text);
  result.lineCounter = lineCounter;
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const [at] = error.linePos ?? [];
      const message = (error.message.split('\n')[0] ?? error.message).replace(
        / at line \d+, column \d+:?$/,
        '',
      );
      add(
        'fatal',
        at ? { line: at.line, column: at.col } : top,
        'yaml',
        message.charAt(0).toLowerCase() + message.slice(1),
        'fix the YAML at this position (a task file is one YAML map)',
      );
    }
    return result;
  }
  for (const warning of document.warnings) {
    const [at] = warning.linePos ?? [];
    const message = (warning.message.split('\n')[0] ?? warning.message).replace(
      / at line \d+, column \d+:?$/,
      '',
    );
    add(
      'warning',
      at ? { line: at.line, column: at.col } : top,
      'yaml',
      message,
      'check the YAML at this position',
    );
  }
  if (!isMap(document.contents)) {
    const what =
      document.contents === null ? 'the file is empty' : `the top level is ${describeValue(document.toJS())}`;
    add(
      'fatal',
      positionOf(document, lineCounter, []),
      'file',
      `${what}, not a map of task fields`,
      'write the task as `key: value` lines (agent, status, title, created_at, …; see docs/tasks.md)',
    );
    return result;
  }
  result.document = document;
  let data: Record<string, unknown>;
  try {
    data = document.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (error) {
    // Only aliases can fail here: too many of them is how a small file expands into gigabytes.
    add(
      'fatal',
      top,
      'yaml',
      error instanceof Error ? error.message : String(error),
      'remove the aliases (*name)',
    );
    return result;
  }

  const at = (path: readonly (string | number)[], pointAtKey = false) =>
    positionOf(document, lineCounter, path, { pointAtKey });
  const oldShape: OldShapeFeature[] = [];
  const migrateFix = 'run `llm-service tasks migrate` to rewrite the file in the current shape';

  // The old shape (what the quick-start shipped before this plugin): read, with a warning.
  const fields: Record<string, unknown> = { ...data };
  if ('created' in data && !('created_at' in data)) {
    oldShape.push('created');
    add('warning', at(['created'], true), 'created', 'the old name of created_at', migrateFix);
    fields.created_at = normalizeTimestamp(data.created) ?? data.created;
  }
  const status = typeof data.status === 'string' ? (data.status as TaskStatus) : undefined;
  const stampKey = status && stampKeyOf(status);
  if ('updated' in data && stampKey && !(stampKey in data)) {
    oldShape.push('updated');
    add(
      'warning',
      at(['updated'], true),
      'updated',
      `the old name of ${stampKey} (for a task that is ${status})`,
      migrateFix,
    );
    const normalized = normalizeTimestamp(data.updated);
    if (normalized) fields[stampKey] = normalized;
  }
  for (const key of timestampKeys) {
    const value = fields[key];
    if (typeof value === 'string' || value instanceof Date) {
      const normalized = normalizeTimestamp(value);
      // A time in another form (a zone offset, a space) is read; validate flags it, migrate rewrites it.
      if (normalized && normalized !== value && key in data) {
        oldShape.push('timestamps');
        add(
          'error',
          at([key]),
          key,
          `${describeValue(value)} is not ISO 8601 UTC with Z`,
          `write ${key}: ${normalized} (or run \`llm-service tasks migrate\`)`,
        );
        fields[key] = normalized;
      }
    }
  }
  if (typeof data.result === 'string') {
    oldShape.push('result-text');
    add('warning', at(['result']), 'result', 'text, the old shape of result (now a map)', migrateFix);
    fields.result = { summary: data.result };
  }
  if (typeof data.error === 'string') {
    oldShape.push('error-text');
    add('warning', at(['error']), 'error', 'text, the old shape of error (now a map)', migrateFix);
    const when =
      normalizeTimestamp(fields.completed_at) ??
      normalizeTimestamp(data.updated) ??
      normalizeTimestamp(fields.created_at);
    fields.error = { message: data.error, kind: 'unknown', ...(when ? { at: when } : {}) };
  }

  // The id is the file's stem; what the file says is checked, never used.
  const stem = location.stem;
  if (!('id' in data)) {
    oldShape.push('id');
    add(
      'error',
      top,
      'id',
      'missing',
      `add id: ${stem} (the file's name), or run \`llm-service tasks migrate\``,
    );
  } else if (data.id !== stem) {
    oldShape.push('id');
    add(
      'error',
      at(['id']),
      'id',
      `${describeValue(data.id)} is not the file's name '${stem}'`,
      `run \`llm-service tasks migrate\` (or set id: ${stem})`,
    );
  }
  if (!taskIdPattern.test(stem)) {
    add(
      'error',
      top,
      'file',
      `the file name '${stem}' is not a task id (letters, digits, '.', '_' or '-')`,
      'rename the file, and its id with it',
    );
  }

  // Types of every known field, all at once.
  const parsed = taskFileSchema.safeParse(fields, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
      const { message, fix } = describeIssue(issue, path, valueAt(fields, path), options.agents);
      add('fatal', at(path), fieldName(path), message, fix);
    }
  }

  // Keys the format does not know are the team's own; one close to a known key may be a typo of it.
  for (const [level, known] of Object.entries(knownKeys)) {
    const path = level === '' ? [] : level.split('.');
    for (const { key, position } of keysAt(document, lineCounter, path)) {
      if (known.includes(key) || (level === '' && (key === 'created' || key === 'updated'))) continue;
      const match = closestMatch(key, known);
      if (match === undefined) continue;
      const field = [...path, key].join('.');
      add(
        'warning',
        position,
        field,
        `'${key}' is not a task field (kept as it is)`,
        `did you mean '${match}'? Rename it if so`,
      );
    }
  }

  const task = parsed.success ? parsed.data : undefined;
  if (task) {
    checkAgentAndPlace(task, location, options, at, add);
  }
  result.oldShape = [...new Set(oldShape)];
  issues.sort(compareIssues);
  if (task && !issues.some((issue) => issue.severity === 'fatal')) {
    result.task = toTask(task, location, revision, issues);
  }
  return result;
}

type Add = (
  severity: IssueSeverity,
  position: { line: number; column: number },
  field: string,
  message: string,
  fix: string,
) => void;

function checkAgentAndPlace(
  task: TaskFileFields,
  location: TaskLocation,
  options: ParseTaskOptions,
  at: (path: readonly (string | number)[]) => { line: number; column: number },
  add: Add,
): void {
  if (!agentNamePattern.test(task.agent)) {
    add(
      'fatal',
      at(['agent']),
      'agent',
      `${describeValue(task.agent)} is not an agent name (letters, digits, '.', '_' or '-'), so it cannot name a folder`,
      'write the name of an agent of agents.yaml',
    );
    return;
  }
  const agents = options.agents;
  if (agents && !agents.includes(task.agent)) {
    add(
      'error',
      at(['agent']),
      'agent',
      `'${task.agent}' is not an agent of agents.yaml`,
      suggestAgent(task.agent, agents),
    );
  }
  const nextAgent = task.result?.next_agent;
  if (agents && typeof nextAgent === 'string' && nextAgent !== '' && !agents.includes(nextAgent)) {
    add(
      'error',
      at(['result', 'next_agent']),
      'result.next_agent',
      `'${nextAgent}' is not an agent of agents.yaml`,
      suggestAgent(nextAgent, agents),
    );
  }
  if (!placeAgrees(location, task.status, task.agent)) {
    const folder = location.folder;
    const expected = keyFor(task.status, task.agent, '');
    if (!statusesOfFolder[folder].includes(task.status)) {
      add(
        'error',
        at(['status']),
        'status',
        `'${task.status}', but the file is in ${folder}/ (which holds ${statusesOfFolder[folder].join(', ')})`,
        `move the file to ${expected} or correct the status (the status is what counts; the next move of the task puts it right)`,
      );
    } else {
      add(
        'error',
        at(['agent']),
        'agent',
        `'${task.agent}', but the file is in ${folder}/${location.agentFolder ?? ''}/`,
        `move the file to ${expected} or correct the agent`,
      );
    }
  }
}

export function suggestAgent(name: string, agents: readonly string[]): string {
  const match = closestMatch(name, agents);
  const known = agents.length > 0 ? `known agents: ${agents.join(', ')}` : 'agents.yaml defines no agents';
  return match ? `did you mean '${match}'? (${known})` : `use one of them (${known})`;
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** `context.files[1]`, `result.tokens.input`. */
function fieldName(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (name, segment) =>
      typeof segment === 'number' ? `${name}[${segment}]` : name ? `${name}.${segment}` : segment,
    '',
  );
}

const expectedNames: Record<string, string> = {
  string: 'text',
  array: 'a list',
  object: 'a map',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

function describeIssue(
  issue: z.core.$ZodIssue,
  path: readonly (string | number)[],
  value: unknown,
  agents: readonly string[] | undefined,
): { message: string; fix: string } {
  const helpKey = path.filter((segment) => typeof segment === 'string').join('.');
  const known = fieldHelp[helpKey] ?? { holds: 'the right type', example: `${helpKey}: …` };
  const help =
    helpKey === 'agent' && agents && agents.length > 0
      ? { ...known, example: `agent: <one of ${agents.join(', ')}>` }
      : known;
  const key = String(path[path.length - 1] ?? '');
  const isItem = typeof path[path.length - 1] === 'number';
  if (value === undefined) return { message: 'missing', fix: `add ${help.example}` };
  if (value === null && !isItem) return { message: 'has no value', fix: `write ${help.example}` };
  switch (issue.code) {
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      const noun = key === 'status' ? 'status' : key === 'priority' ? 'priority' : 'value';
      const match = typeof value === 'string' ? closestMatch(value, allowed) : undefined;
      const list = `use one of ${allowed.join(', ')}`;
      return {
        message: `${describeValue(value)} is not a ${noun}`,
        fix: match ? `did you mean '${match}'? (${list})` : list,
      };
    }
    case 'invalid_type': {
      const expected = expectedNames[issue.expected] ?? issue.expected;
      return {
        message: `must be ${isItem ? expected : help.holds}, not ${describeValue(value)}`,
        fix: isItem ? `write each item as ${expected}` : `write ${help.example}`,
      };
    }
    case 'too_small':
      return typeof value === 'string'
        ? { message: 'is empty', fix: `write ${help.example}` }
        : { message: `${describeValue(value)} is below 0`, fix: `write ${help.example}` };
    case 'custom': {
      const normalized = normalizeTimestamp(value);
      return {
        message: `${describeValue(value)} is not an ISO 8601 UTC time`,
        fix: normalized ? `write ${key}: ${normalized}` : `write it like ${help.example}`,
      };
    }
    default:
      return { message: issue.message, fix: `write ${help.example}` };
  }
}

function clean<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined && field !== null),
  ) as T;
}

function toResult(result: NonNullable<TaskFileFields['result']>): TaskResultV1 {
  const tokens = result.tokens;
  return clean({
    summary: result.summary ?? undefined,
    artefacts: result.artefacts ?? undefined,
    nextAgent: result.next_agent ?? undefined,
    nextTaskTitle: result.next_task_title ?? undefined,
    nextTaskNotes: result.next_task_notes ?? undefined,
    tool: result.tool ?? undefined,
    model: result.model ?? undefined,
    attempts: result.attempts ?? undefined,
    tokens: tokens
      ? {
          input: tokens.input ?? 0,
          output: tokens.output ?? 0,
          cacheRead: tokens.cache_read ?? 0,
          cacheWrite: tokens.cache_write ?? 0,
        }
      : undefined,
    costUsd: result.cost_usd ?? undefined,
    chainId: result.chain_id ?? undefined,
    answer: result.answer ?? undefined,
  });
}

function toError(error: NonNullable<TaskFileFields['error']>): TaskErrorV1 {
  return clean({
    message: error.message,
    kind: error.kind,
    attempts: error.attempts ?? undefined,
    at: error.at,
  });
}

function toTask(
  fields: TaskFileFields,
  location: TaskLocation,
  revision: string,
  issues: readonly TaskFileIssue[],
): TaskV1 {
  return clean({
    id: location.stem,
    agent: fields.agent,
    status: fields.status,
    title: fields.title,
    priority: fields.priority ?? 'normal',
    taskType: fields.task_type ?? undefined,
    description: fields.description ?? undefined,
    acceptanceCriteria: fields.acceptance_criteria ?? [],
    context: clean({ notes: fields.context?.notes ?? undefined, files: fields.context?.files ?? [] }),
    dependsOn: fields.depends_on ?? [],
    createdAt: fields.created_at,
    assignedAt: fields.assigned_at ?? undefined,
    startedAt: fields.started_at ?? undefined,
    completedAt: fields.completed_at ?? undefined,
    result: fields.result ? toResult(fields.result) : undefined,
    error: fields.error ? toError(fields.error) : undefined,
    path: location.key,
    revision,
    warnings: issues.map((issue) => formatIssue(issue)),
  });
}

/** Order of statuses used when two copies of a task have the same latest time: the one further along wins. */
export const statusRank: Readonly<Record<TaskStatus, number>> = {
  new: 0,
  assigned: 1,
  blocked: 2,
  in_progress: 3,
  done: 4,
  error: 4,
};
