import { relative } from 'node:path';
import { lazySchema, z, type CommandInput } from '@llm-service/spec';
import { formatIssue } from '../file/issues.js';
import { printable } from './render.js';
import { commandOptions, commandStore, writeJson } from './command-store.js';

const validateOptions = lazySchema(() => z.object({ json: z.boolean().optional() }));

/**
 * `tasks validate`: every problem of every task file, one line each (`file:line:col: field: what; how to fix`, the
 * file relative to the current directory so an editor can jump to it), errors first in file order. Exit 2 when any
 * file is wrong, 0 when there are only warnings. Writes nothing.
 */
export async function runValidate(input: CommandInput): Promise<number> {
  const options = commandOptions(input, validateOptions);
  const { store } = await commandStore(input);
  const report = await store.validate();
  const code = report.errors > 0 ? 2 : 0;
  if (options.json) {
    writeJson(input, {
      workDir: report.workDir,
      files: report.files,
      tasks: report.tasks.length,
      errors: report.errors,
      warnings: report.warnings,
      problems: report.issues.map((issue) => ({ ...issue, text: formatIssue(issue) })),
    });
    return code;
  }
  const shown = (path: string) => relative(process.cwd(), `${report.workDir}/${path}`) || path;
  for (const issue of report.issues)
    input.io.stdout.write(`${printable(formatIssue(issue, shown(issue.path)))}\n`);
  const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
  input.io.stdout.write(
    `${plural(report.files, 'task file')} in ${report.workDir}: ${plural(report.errors, 'error')}, ` +
      `${plural(report.warnings, 'warning')}\n`,
  );
  return code;
}
