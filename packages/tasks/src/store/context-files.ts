import { lstat, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, relative, sep } from 'node:path';
import { LlmServiceError, ExitCode } from '@llm-service/spec';
import { readFileInside } from '@llm-service/plugin-kit';
import type { IssueSeverity } from '../file/issues.js';

/**
 * `context.files` name files of the project whose contents go to the agent. "The project" is the directory that holds
 * the config directory (a repository holding `.llm-service/`; `examples/` for `--config-dir examples/quick-start`).
 * A path must be relative, stay inside the project once `..` is applied, and still be inside once every link on
 * the way is followed: otherwise anyone who can write a task file could send `~/.ssh/id_ed25519` to a model.
 */
export interface ContextFileCheck {
  severity: IssueSeverity;
  message: string;
  fix: string;
}

function isInside(directory: string, path: string): boolean {
  const rel = relative(directory, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The path with `..` applied, or undefined when it is absolute or leads out of the project. */
export function normalizeContextPath(file: string): string | undefined {
  if (file === '' || file.includes('\0')) return undefined;
  if (posix.isAbsolute(file) || /^[A-Za-z]:[\\/]/.test(file) || file.startsWith('\\')) return undefined;
  const normalized = posix.normalize(file);
  if (normalized === '..' || normalized.startsWith('../')) return undefined;
  return normalized;
}

/** What is wrong with one entry of `context.files`, if anything; `realProjectDir` is the project's realpath. */
export async function checkContextFile(
  realProjectDir: string,
  file: string,
): Promise<ContextFileCheck | undefined> {
  const where = `relative to the project (${realProjectDir})`;
  if (file === '' || file.includes('\0'))
    return { severity: 'fatal', message: 'is not a path', fix: `write a path ${where}` };
  if (posix.isAbsolute(file) || /^[A-Za-z]:[\\/]/.test(file) || file.startsWith('\\'))
    return { severity: 'fatal', message: `'${file}' is absolute`, fix: `write it ${where}` };
  const normalized = normalizeContextPath(file);
  if (normalized === undefined)
    return {
      severity: 'fatal',
      message: `'${file}' leads out of the project`,
      fix: `name a file inside the project (${realProjectDir})`,
    };
  const path = join(realProjectDir, ...normalized.split('/'));
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    // Missing: the nearest folder that exists must still be inside, and a dangling link is refused outright.
    const link = await lstat(path).catch(() => undefined);
    if (link?.isSymbolicLink())
      return {
        severity: 'fatal',
        message: `'${file}' is a link to a file that does not exist`,
        fix: 'name the file itself, inside the project',
      };
    let ancestor = dirname(path);
    for (;;) {
      const realAncestor = await realpath(ancestor).catch(() => undefined);
      if (realAncestor !== undefined) {
        if (!isInside(realProjectDir, realAncestor))
          return {
            severity: 'fatal',
            message: `'${file}' goes through a link to ${realAncestor}, outside the project`,
            fix: 'name a file inside the project',
          };
        break;
      }
      const up = dirname(ancestor);
      if (up === ancestor) break;
      ancestor = up;
    }
    return {
      severity: 'warning',
      message: `'${file}' does not exist in the project`,
      fix: 'create it before the task runs, or correct the path',
    };
  }
  if (!isInside(realProjectDir, real))
    return {
      severity: 'fatal',
      message: `'${file}' resolves to ${real}, outside the project (a link)`,
      fix: 'name a file inside the project, not a link out of it',
    };
  const stats = await stat(real).catch(() => undefined);
  if (stats && !stats.isFile())
    return {
      severity: 'warning',
      message: `'${file}' is not a regular file`,
      fix: 'name a file, not a folder',
    };
  return undefined;
}

/**
 * Reads one entry of `context.files` for a run: checked again at the moment of reading (a link may have appeared
 * since the task was listed), then read through the project's directories held open, never through a link.
 * Rejects with `E_TASK_CONTEXT` (exit 2) naming what is wrong.
 */
export async function readContextFile(projectDir: string, file: string): Promise<Buffer> {
  const realProjectDir = await realpath(projectDir);
  const problem = await checkContextFile(realProjectDir, file);
  if (problem)
    throw new LlmServiceError('E_TASK_CONTEXT', `context file ${problem.message}`, {
      exitCode: ExitCode.usage,
      hint: problem.fix,
    });
  const real = await realpath(join(realProjectDir, ...(normalizeContextPath(file) ?? file).split('/')));
  const read = await readFileInside(realProjectDir, relative(realProjectDir, real).split(sep).join('/'));
  if (!read)
    throw new LlmServiceError('E_TASK_CONTEXT', `context file '${file}' changed while it was read`, {
      exitCode: ExitCode.usage,
      hint: 'run the task again',
    });
  return read.bytes;
}
