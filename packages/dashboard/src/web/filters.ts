/**
 * The feed's filters: which attempts the page draws, and how they read and write the address's query. Pure, so the
 * page's behaviour and its unit test share one definition.
 */
import type { InvocationRow } from '../model.js';

/** The fields a select filters on, in the order the page shows them. */
export const FILTER_FIELDS = ['agent', 'tool', 'model', 'status', 'project'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

/** Each select's value ('' is any), and `q`: a prefix of the invocation id or the chain id. */
export type Filters = Readonly<Record<FilterField | 'q', string>>;

export const NO_FILTERS: Filters = { agent: '', tool: '', model: '', status: '', project: '', q: '' };

/** The status filter's value for every attempt that ended without success (failed, blocked, timeout, cancelled). */
export const ANY_FAILURE = 'any-failure';

const QUERY_KEYS = [...FILTER_FIELDS, 'q'] as const;
/** A value longer than this in the address is not a filter anyone typed: ignored. */
const MAX_VALUE = 200;

/** An attempt that ended and did not succeed. */
export function isFailure(status: string): boolean {
  return status !== 'running' && status !== 'success';
}

/** The filters in an address's query; other parameters are ignored. */
export function filtersFromQuery(query: URLSearchParams): Filters {
  const read = (key: (typeof QUERY_KEYS)[number]) => {
    const value = (query.get(key) ?? '').trim();
    return value.length > MAX_VALUE ? '' : value;
  };
  return {
    agent: read('agent'),
    tool: read('tool'),
    model: read('model'),
    status: read('status'),
    project: read('project'),
    q: read('q'),
  };
}

/** `query` with the filters set (and the unset ones removed); its other parameters are kept. */
export function filtersToQuery(filters: Filters, query: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(query);
  for (const key of QUERY_KEYS) {
    const value = filters[key].trim();
    if (value) next.set(key, value);
    else next.delete(key);
  }
  return next;
}

export function hasFilters(filters: Filters): boolean {
  return QUERY_KEYS.some((key) => filters[key].trim() !== '');
}

export function matchesFilters(row: InvocationRow, filters: Filters): boolean {
  if (filters.agent && row.agent !== filters.agent) return false;
  if (filters.tool && row.tool !== filters.tool) return false;
  if (filters.model && row.model !== filters.model) return false;
  if (filters.project && row.project !== filters.project) return false;
  if (filters.status) {
    if (filters.status === ANY_FAILURE ? !isFailure(row.status) : row.status !== filters.status) return false;
  }
  const search = filters.q.trim().toLowerCase();
  if (search) {
    return row.invocationId.toLowerCase().startsWith(search) || row.chainId.toLowerCase().startsWith(search);
  }
  return true;
}
