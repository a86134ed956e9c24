import type { TaskV1 } from '@llm-service/spec';
import { formatUsd } from '@llm-service/plugin-kit';

// eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
const controlCharacters = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text from a task file is anyone's who can write one: shown with its control characters as text (`\x1b`), so a file
 * cannot recolour, retitle or clear the terminal. Not redacted as the kit's `forTerminal` is: a task's id
 * (`2026-12-01T0930-writer-…`) looks like a token to the redactor, and the file is the user's own text.
 */
export function printable(text: string): string {
  return text.replace(
    controlCharacters,
    (character) => `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
const safe = printable;

/** One line per task: id, status, priority, agent, title; columns as wide as their widest cell. */
export function renderTaskTable(tasks: readonly TaskV1[]): string {
  const rows = [
    ['ID', 'STATUS', 'PRIORITY', 'AGENT', 'TITLE'],
    ...tasks.map((task) =>
      [task.id, task.status, task.priority, task.agent, task.title].map((cell) => safe(cell)),
    ),
  ];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column < 4 ? cell.padEnd(widths[column] ?? 0) : cell))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => (line === '' ? '' : `  ${line}`))
    .join('\n');
}

/** Every field of one task, for `tasks show`. */
export function renderTask(task: TaskV1): string {
  const lines: string[] = [];
  const field = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== '') lines.push(`${name.padEnd(13)}${safe(value)}`);
  };
  field('id', task.id);
  field('title', task.title);
  field('status', task.status);
  field('agent', task.agent);
  field('priority', task.priority);
  field('task type', task.taskType);
  field('file', task.path);
  field('created', task.createdAt);
  field('assigned', task.assignedAt);
  field('started', task.startedAt);
  field('completed', task.completedAt);
  if (task.dependsOn.length > 0) field('depends on', task.dependsOn.join(', '));
  if (task.context.files.length > 0) field('context', task.context.files.join(', '));
  if (task.context.notes) lines.push(`notes:\n${indent(safe(task.context.notes))}`);
  if (task.acceptanceCriteria.length > 0)
    lines.push(
      `acceptance criteria:\n${task.acceptanceCriteria.map((item) => `  - ${safe(item)}`).join('\n')}`,
    );
  if (task.description) lines.push(`description:\n${indent(safe(task.description))}`);
  const result = task.result;
  if (result) {
    lines.push('result:');
    const sub = (name: string, value: string | undefined) => {
      if (value !== undefined && value !== '') lines.push(`  ${name.padEnd(11)}${safe(value)}`);
    };
    sub('summary', result.summary);
    if (result.artefacts && result.artefacts.length > 0) sub('artefacts', result.artefacts.join(', '));
    sub('next agent', result.nextAgent);
    sub('next task', result.nextTaskTitle);
    sub('tool', result.tool && result.model ? `${result.tool}:${result.model}` : result.tool);
    if (result.attempts !== undefined) sub('attempts', String(result.attempts));
    if (result.tokens)
      sub(
        'tokens',
        `${result.tokens.input} in, ${result.tokens.output} out, ${result.tokens.cacheRead} cache read, ${result.tokens.cacheWrite} cache write`,
      );
    if (result.costUsd !== undefined) sub('cost', formatUsd(result.costUsd));
    sub('chain', result.chainId);
    sub('answer', result.answer);
  }
  if (task.error) {
    lines.push(`error:       ${safe(task.error.kind)}: ${safe(task.error.message)} (${safe(task.error.at)})`);
  }
  if (task.warnings.length > 0)
    lines.push(`warnings:\n${task.warnings.map((item) => `  ${safe(item)}`).join('\n')}`);
  return `${lines.join('\n')}\n`;
}
