import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** Sent with every response: the page runs only its own script and style, and talks only to this server. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Compares a presented token with the expected one in time independent of where they differ (or their lengths). */
export function tokenChecker(expected: string): (candidate: string | undefined | null) => boolean {
  const expectedDigest = createHash('sha256').update(expected, 'utf8').digest();
  return (candidate) => {
    if (typeof candidate !== 'string') return false;
    const digest = createHash('sha256').update(candidate, 'utf8').digest();
    return timingSafeEqual(digest, expectedDigest);
  };
}

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** An address as it appears in a URL's authority: IPv6 in brackets, names lower-cased. */
export function hostForUrl(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIP(bare) === 6 ? `[${bare.toLowerCase()}]` : bare.toLowerCase();
}

/** Binding to every interface: the page is still opened on loopback. */
export function isWildcardHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare === '0.0.0.0' || bare === '::' || bare === '';
}

/**
 * The `Host` header values this server answers to: the loopback names and the bound address, with the port. A
 * request naming any other host reached this server through a name someone else controls (DNS rebinding).
 */
export function allowedHosts(boundHost: string, port: number, more: readonly string[] = []): Set<string> {
  const names = ['127.0.0.1', 'localhost', '[::1]', ...more.map(hostForUrl)];
  if (!isWildcardHost(boundHost)) names.push(hostForUrl(boundHost));
  const hosts = new Set<string>();
  for (const name of names) {
    hosts.add(`${name}:${port}`);
    // A browser leaves the default port out of the Host header.
    if (port === 80) hosts.add(name);
  }
  return hosts;
}

/** An `Origin` header is acceptable only when it is this server's own origin under an allowed host. */
export function originAllowed(origin: string, hosts: ReadonlySet<string>): boolean {
  const match = /^http:\/\/([^/?#]+)$/.exec(origin.trim());
  return match !== null && match[1] !== undefined && hosts.has(match[1].toLowerCase());
}
