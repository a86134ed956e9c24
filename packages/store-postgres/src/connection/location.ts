import { PostgresStoreError, PostgresStoreErrorCode } from '../errors.js';

export interface ParsedUrl {
  /** The URL as node-postgres takes it. */
  connectionString: string;
  /** The URL without its password (nor any `password=` parameter): safe in messages and logs. */
  location: string;
  host: string;
  port: number;
  database: string;
}

/**
 * Reads `telemetry.url`. Only `postgres:` and `postgresql:` URLs; the password is kept out of `location`, which every
 * message names the database by.
 */
export function parseDatabaseUrl(url: string): ParsedUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new PostgresStoreError(PostgresStoreErrorCode.url, 'telemetry.url is not a URL', {
      cause: error,
      hint: 'write it as postgresql://USER:PASSWORD@HOST:5432/DATABASE (the password through ${VAR})',
    });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new PostgresStoreError(
      PostgresStoreErrorCode.url,
      `telemetry.url has the scheme '${parsed.protocol.replace(/:$/, '')}', not postgresql`,
      { hint: 'write it as postgresql://USER:PASSWORD@HOST:5432/DATABASE' },
    );
  }
  const safe = new URL(parsed.href);
  if (safe.password !== '') safe.password = '';
  safe.searchParams.delete('password');
  const location = safe.href.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):@/, '$1@');
  const host = parsed.hostname === '' ? 'localhost' : parsed.hostname;
  const port = parsed.port === '' ? 5432 : Number(parsed.port);
  const database =
    decodeURIComponent(parsed.pathname.replace(/^\//, '')) ||
    decodeURIComponent(parsed.username) ||
    'postgres';
  return { connectionString: url, location, host, port, database };
}
