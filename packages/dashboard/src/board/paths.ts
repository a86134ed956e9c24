import { isAbsolute, join, relative, sep } from 'node:path';

const taskFileName = /\.ya?ml$/i;

/**
 * Whether a path under the work directory is hidden from the board: any segment starting with a dot (editors' swap
 * and lock files, our own atomic-write temp files, `.git`) and, for files, anything that is not YAML (backups such as
 * `task.yaml~` or `task.yaml.swp`).
 */
export function isIgnored(relativePath: string, isFile: boolean): boolean {
  const segments = relativePath.split(/[\\/]/);
  if (segments.some((segment) => segment.startsWith('.'))) return true;
  return isFile && !taskFileName.test(segments[segments.length - 1] ?? '');
}

/** A card's key: the path relative to the work directory with `/` separators, or undefined if it is not inside. */
export function keyOf(workDir: string, path: string): string | undefined {
  const rel = relative(workDir, path);
  if (rel === '' || isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) return undefined;
  return rel.split(sep).join('/');
}

/** True if `path` is `directory` or lies inside it; both must be resolved the same way (e.g. both realpaths). */
export function isInside(directory: string, path: string): boolean {
  const rel = relative(directory, path);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/**
 * The file a key names, or undefined if the key could name anything outside the work directory: absolute, with `..`
 * or empty segments, or not in the canonical form `keyOf` produces.
 */
export function pathOfKey(workDir: string, key: string): string | undefined {
  if (key === '' || key.includes('\\') || key.includes('\0') || key.startsWith('/')) return undefined;
  if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'))
    return undefined;
  const path = join(workDir, ...key.split('/'));
  return keyOf(workDir, path) === key ? path : undefined;
}
