import { lstat, realpath } from 'node:fs/promises';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import type { ContextFile, TaskV1 } from '@llm-service/spec';
import { readFileInside } from '@llm-service/plugin-kit';

/** One context file's cap, and all of a task's together: a prompt is not the place for a repository. */
export const MAX_CONTEXT_FILE_BYTES = 1024 * 1024;
export const MAX_CONTEXT_TOTAL_BYTES = 8 * 1024 * 1024;

/** The placeholders a template of `tasks.templates.<agent>` may use. */
export const templatePlaceholders = [
  'id',
  'title',
  'agent',
  'priority',
  'task_type',
  'description',
  'acceptance_criteria',
  'notes',
  'context_files',
  'dependencies',
  'answer_convention',
] as const;
export type TemplatePlaceholder = (typeof templatePlaceholders)[number];

const placeholderPattern = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Checks a template's placeholders; the problems, one line each, located in the file. */
export function checkTemplate(source: string, file: string): string[] {
  const problems: string[] = [];
  for (const match of source.matchAll(placeholderPattern)) {
    const name = match[1]!;
    if ((templatePlaceholders as readonly string[]).includes(name)) continue;
    const before = source.slice(0, match.index);
    const line = before.split('\n').length;
    const column = match.index - before.lastIndexOf('\n');
    problems.push(
      `${file}:${line}:${column}: unknown placeholder {{${name}}}; use one of ${templatePlaceholders.map((each) => `{{${each}}}`).join(', ')}`,
    );
  }
  return problems;
}

/** Fills a checked template; each placeholder becomes its text (empty when the task has none). */
export function renderTemplate(
  source: string,
  values: Readonly<Record<TemplatePlaceholder, string>>,
): string {
  return source.replace(placeholderPattern, (whole, name: string) =>
    Object.hasOwn(values, name) ? values[name as TemplatePlaceholder] : whole,
  );
}

/** A task this one depends on, as the prompt shows it. */
export interface DependencyView {
  id: string;
  agent: string;
  title: string;
  summary: string | undefined;
  artefacts: readonly string[];
}

export interface PromptInput {
  task: TaskV1;
  dependencies: readonly DependencyView[];
  /** The names of the context blocks, in order (shown in the prompt so the model can refer to them). */
  contextNames: readonly string[];
  /** The agents a hand-off may name. */
  agents: readonly string[];
}

const bulletList = (items: readonly string[]) => items.map((item) => `- ${item}`).join('\n');

/** The instructions that make an answer end in the block the runner reads (see answer.ts). */
export function answerConvention(agents: readonly string[]): string {
  return [
    '## When you finish',
    '',
    'End your answer with a fenced YAML block that says what you did and who continues:',
    '',
    '```yaml',
    'summary: one or two sentences on what you did',
    'artefacts: [paths of the files you created or changed, relative to the project]',
    `next_agent: the agent that should continue${agents.length > 0 ? ` (one of: ${agents.join(', ')})` : ''}, or none`,
    "next_task_title: the follow-up task's title",
    'next_task_notes: what that agent needs to know',
    '```',
  ].join('\n');
}

function placeholderValues(input: PromptInput): Record<TemplatePlaceholder, string> {
  const { task } = input;
  return {
    id: task.id,
    title: task.title,
    agent: task.agent,
    priority: task.priority,
    task_type: task.taskType ?? '',
    description: task.description?.trim() ?? '',
    acceptance_criteria: bulletList(task.acceptanceCriteria),
    notes: task.context.notes?.trim() ?? '',
    context_files: bulletList(input.contextNames),
    dependencies: input.dependencies
      .map((dependency) => {
        const head = `- ${dependency.id} (${dependency.agent}): ${dependency.title}`;
        const summary = dependency.summary ? `\n  ${dependency.summary}` : '';
        const artefacts =
          dependency.artefacts.length > 0 ? `\n  artefacts: ${dependency.artefacts.join(', ')}` : '';
        return `${head}${summary}${artefacts}`;
      })
      .join('\n'),
    answer_convention: answerConvention(input.agents),
  };
}

/**
 * The prompt of a task: its agent's template when `tasks.templates.<agent>` names one, else the default, which lists
 * the title, description, acceptance criteria and notes, names the context blocks and the work this task builds on,
 * and asks for the hand-off block. Sections the task has nothing for are left out.
 */
export function buildTaskPrompt(input: PromptInput, template?: string): string {
  const values = placeholderValues(input);
  if (template !== undefined) return renderTemplate(template, values);
  const sections = [`# Task ${values.id}: ${values.title}`];
  if (values.description) sections.push(values.description);
  if (values.acceptance_criteria) sections.push(`## Acceptance criteria\n\n${values.acceptance_criteria}`);
  if (values.notes) sections.push(`## Notes\n\n${values.notes}`);
  if (values.context_files)
    sections.push(`## Context\n\nThe files above are given as context blocks:\n\n${values.context_files}`);
  if (values.dependencies) sections.push(`## Work this task builds on\n\n${values.dependencies}`);
  sections.push(values.answer_convention);
  return `${sections.join('\n\n')}\n`;
}

/** The size the kernel's prompt will have: each context block wraps its file (core's buildPrompt). */
export function promptBytes(prompt: string, context: readonly ContextFile[]): number {
  let total = Buffer.byteLength(prompt);
  for (const file of context) {
    const name = file.name.replace(/[&"<>]/g, (character) => `&#${character.charCodeAt(0)};`);
    const endsWithNewline = file.content.length > 0 && file.content[file.content.length - 1] === 0x0a;
    total += Buffer.byteLength(`<context file="${name}">\n`) + file.content.length;
    total += Buffer.byteLength(`${endsWithNewline ? '' : '\n'}</context>\n\n`);
  }
  return total;
}

/** A path a task names, with who named it (for the message). */
export interface NamedPath {
  path: string;
  /** `context.files`, or `the artefacts of <id>`. */
  from: string;
  /** When true, a file that does not exist is skipped with a warning instead of refusing the task. */
  optional?: boolean;
}

export type ContextResult =
  { ok: true; files: ContextFile[]; warnings: string[] } | { ok: false; message: string };

function isInside(directory: string, path: string): boolean {
  const rel = relative(directory, path);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/**
 * Checks a path a task file names before anything is read: relative, inside the project once normalised. Returns
 * the normalised path or why it is refused.
 */
export function checkContextPath(path: string): { ok: true; path: string } | { ok: false; why: string } {
  if (path.trim() === '') return { ok: false, why: 'is empty' };
  if (path.includes('\0')) return { ok: false, why: 'contains a NUL byte' };
  if (path.startsWith('~')) return { ok: false, why: 'names a home directory; name a file of the project' };
  if (isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\'))
    return { ok: false, why: 'is absolute; name it relative to the project' };
  const normalized = posix.normalize(path.replaceAll('\\', '/'));
  if (normalized === '..' || normalized.startsWith('../'))
    return { ok: false, why: 'leads out of the project (..); name a file inside it' };
  if (normalized === '.' || normalized.endsWith('/')) return { ok: false, why: 'is a directory, not a file' };
  return { ok: true, path: normalized };
}

/**
 * Reads the files a task names as context blocks. Every path must stay inside `projectDir`: not absolute, no `..`
 * leading out, and no link leading out (checked on the real path, then read without following any link on the
 * way, so a swap after the check cannot redirect the read). A task that names a path outside, a missing file (unless
 * `optional`), something that is not a regular file, or too much is refused with a one-line message.
 */
export async function readContext(projectDir: string, paths: readonly NamedPath[]): Promise<ContextResult> {
  const root = await realpath(projectDir);
  const files: ContextFile[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const named of paths) {
    const refuse = (why: string): ContextResult => ({
      ok: false,
      message: `${named.from}: '${named.path}' ${why}`,
    });
    const checked = checkContextPath(named.path);
    if (!checked.ok) return refuse(checked.why);
    let real: string;
    try {
      real = await realpath(resolve(root, checked.path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && named.optional) {
        warnings.push(`${named.from}: '${named.path}' does not exist; left out of the prompt`);
        continue;
      }
      return refuse(
        code === 'ENOENT' || code === 'ENOTDIR'
          ? `does not exist in the project (${root})`
          : `cannot be read (${code ?? 'error'})`,
      );
    }
    if (!isInside(root, real)) return refuse(`is a link that leads out of the project (to ${real})`);
    if (seen.has(real)) continue;
    seen.add(real);
    const stats = await lstat(real);
    if (!stats.isFile()) return refuse('is not a regular file');
    if (stats.size > MAX_CONTEXT_FILE_BYTES)
      return refuse(`is ${Math.ceil(stats.size / 1024)} KiB; a context file may have at most 1024 KiB`);
    const inside = relative(root, real).split(sep).join('/');
    let read: Awaited<ReturnType<typeof readFileInside>>;
    try {
      read = await readFileInside(root, inside);
    } catch {
      return refuse('changed into a link while it was read');
    }
    if (read === undefined) return refuse('is not a regular file (or changed while it was read)');
    total += read.bytes.length;
    if (total > MAX_CONTEXT_TOTAL_BYTES)
      return refuse(
        `takes the context past ${MAX_CONTEXT_TOTAL_BYTES / 1024 / 1024} MiB; name fewer or smaller files`,
      );
    files.push({ name: checked.path, content: new Uint8Array(read.bytes) });
  }
  return { ok: true, files, warnings };
}
