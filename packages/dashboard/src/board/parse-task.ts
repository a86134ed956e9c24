import { createHash } from 'node:crypto';
import { z } from '@llm-service/spec';
import {
  isMap,
  isNode,
  LineCounter,
  parse,
  parseDocument,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
} from 'yaml';
import type { TaskCard } from '../model.js';
import { columnOfDirectory, placeTask } from './columns.js';
import { renderDescription } from './markdown.js';

/** Larger files are not parsed: a task is a page of YAML, and parsing megabytes would stall the server. */
export const MAX_TASK_FILE_BYTES = 1024 * 1024;

const text = z.string({ error: 'must be text' }).nullish();
const textOrNumber = z.union([z.string(), z.number()], { error: 'must be text or a number' }).nullish();
const timestamp = z.union([z.string(), z.date()], { error: 'must be a date or text' }).nullish();

/** The fields the board reads; any others are the agents' business and pass through unchecked. */
/**
 * `result` and `error` as the tasks plugin writes them (maps with `summary` and `message`), or as older files wrote
 * them (text).
 */
const summarised = (key: 'summary' | 'message') =>
  z
    .union([z.string(), z.looseObject({ [key]: z.string().nullish() })], {
      error: `must be text or a mapping with ${key}`,
    })
    .nullish()
    .transform((value) => (value == null || typeof value === 'string' ? value : (value[key] ?? null)));

/**
 * The fields the board reads; any others are the agents' business and pass through unchecked. Times are read under
 * the tasks plugin's names (`created_at`, `completed_at`, …) and the older `created` / `updated`.
 */
export const taskFileSchema = z.looseObject({
  id: textOrNumber,
  agent: text,
  status: text,
  title: text,
  priority: textOrNumber,
  description: text,
  created: timestamp,
  updated: timestamp,
  created_at: timestamp,
  assigned_at: timestamp,
  started_at: timestamp,
  completed_at: timestamp,
  result: summarised('summary'),
  error: summarised('message'),
});

/** How the board parses task files: YAML 1.2, plus unquoted timestamps as dates, as the agents write them. */
export const readOptions: DocumentOptions & ParseOptions & SchemaOptions = { customTags: ['timestamp'] };

export function versionOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The card of one task file; a file that is not a valid task still gets a card, flagged, so it cannot go unnoticed. */
export function parseTaskFile(key: string, bytes: Uint8Array): TaskCard {
  const version = versionOf(bytes);
  if (bytes.byteLength > MAX_TASK_FILE_BYTES) {
    return malformedCard(key, version, `the file is larger than ${MAX_TASK_FILE_BYTES / 1024 / 1024} MiB`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(Buffer.from(bytes).toString('utf8'), { ...readOptions, lineCounter });
  const [firstError] = doc.errors;
  if (firstError) {
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more)` : '';
    return malformedCard(key, version, `${firstLine(firstError.message)}${more}`);
  }
  if (!isMap(doc.contents)) {
    const what = doc.contents === null ? 'the file is empty' : `the top level is ${describe(doc.toJS())}`;
    return malformedCard(key, version, `${what}, not a mapping of task fields`);
  }
  let data: Record<string, unknown>;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (error) {
    // Only aliases can fail here: too many of them is how a small file expands into gigabytes.
    return malformedCard(key, version, error instanceof Error ? error.message : String(error));
  }
  const result = taskFileSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => fieldProblem(doc, lineCounter, data, issue));
    return malformedCard(key, version, problems.join('; '));
  }
  const fields = result.data;
  const status = fields.status ?? null;
  const description = fields.description ?? null;
  return {
    key,
    ...placeTask(key, status),
    parseError: null,
    id: fields.id == null ? null : String(fields.id),
    agent: fields.agent ?? null,
    status,
    title: fields.title ?? null,
    priority: fields.priority == null ? null : String(fields.priority),
    description,
    descriptionHtml: description === null ? null : renderDescription(description),
    created: isoTimestamp(fields.created_at ?? fields.created),
    // The latest step the file records.
    updated: isoTimestamp(fields.completed_at ?? fields.started_at ?? fields.assigned_at ?? fields.updated),
    result: fields.result ?? null,
    error: fields.error ?? null,
    version,
  };
}

/** A card for a file that cannot be read as a task: in its directory's column, showing its file name. */
export function malformedCard(key: string, version: string, parseError: string): TaskCard {
  return {
    key,
    column: columnOfDirectory(key),
    flag: 'the file is not a valid task file; shown by its directory',
    parseError,
    id: null,
    agent: null,
    status: null,
    title: null,
    priority: null,
    description: null,
    descriptionHtml: null,
    created: null,
    updated: null,
    result: null,
    error: null,
    version,
  };
}

/** The yaml library's pretty messages end in a code excerpt; the first line already names the line and column. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/:$/, '');
}

function fieldProblem(
  doc: Document,
  lineCounter: LineCounter,
  data: Record<string, unknown>,
  issue: z.core.$ZodIssue,
): string {
  const [field] = issue.path;
  if (typeof field !== 'string') return issue.message;
  const node = doc.get(field, true);
  const line = isNode(node) && node.range ? `line ${lineCounter.linePos(node.range[0]).line}: ` : '';
  return `${line}${field} ${issue.message}, not ${describe(data[field])}`;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (value === null) return 'empty';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'text';
  return typeof value === 'number' ? 'a number' : typeof value === 'boolean' ? 'true/false' : typeof value;
}

/**
 * Dates as ISO strings. Quoted values that look like YAML timestamps are read the way an unquoted one would be (UTC
 * when no zone is given); anything else is kept as written rather than guessed at.
 */
function isoTimestamp(value: string | Date | null | undefined): string | null {
  if (value == null) return null;
  if (value instanceof Date) return value.toISOString();
  const trimmed = value.trim();
  if (/^\d{4}-\d\d?-\d\d?([Tt ]|$)/.test(trimmed)) {
    const parsed: unknown = parse(trimmed, readOptions);
    if (parsed instanceof Date && !Number.isNaN(parsed.getTime())) return parsed.toISOString();
  }
  return value;
}
