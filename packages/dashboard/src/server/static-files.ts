import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The page's built files. From the package's `dist/server.js` they are `dist/web/`; from the sources (tests) they
 * are the same `dist/web/` of the package, built by `tsup`.
 */
export function defaultWebDir(): string {
  const candidates = [new URL('./web/', import.meta.url), new URL('../../dist/web/', import.meta.url)];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(resolve(dir, 'index.html'))) return resolve(dir);
  }
  return resolve(fileURLToPath(candidates[0] as URL));
}

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/**
 * Reads the file a URL path names inside `webDir`, or undefined. Nothing outside `webDir` is ever read: encoded
 * separators, `..`, NUL, backslashes and dot-files are refused, and a symbolic link must resolve inside it too.
 */
export async function readStaticFile(webDir: string, urlPath: string): Promise<StaticFile | undefined> {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (path === '/' || path === '') path = '/index.html';
  if (!path.startsWith('/') || path.includes('\0') || path.includes('\\')) return undefined;
  const segments = path.slice(1).split('/');
  if (segments.some((segment) => segment === '' || segment.startsWith('.'))) return undefined;
  const contentType = contentTypes[extname(path).toLowerCase()];
  if (!contentType) return undefined;
  const root = resolve(webDir);
  const candidate = resolve(root, ...segments);
  if (!isInside(root, candidate)) return undefined;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(candidate)]);
    if (!isInside(realRoot, realFile)) return undefined;
    const info = await stat(realFile);
    if (!info.isFile()) return undefined;
    return { body: await readFile(realFile), contentType };
  } catch {
    return undefined;
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}
