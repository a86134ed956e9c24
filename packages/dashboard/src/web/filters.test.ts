import { describe, expect, it } from 'vitest';
import { invocationRow } from '../server/test-support.js';
import {
  ANY_FAILURE,
  filtersFromQuery,
  filtersToQuery,
  hasFilters,
  isFailure,
  matchesFilters,
  NO_FILTERS,
} from './filters.js';

describe('the feed filters', () => {
  const row = invocationRow({
    invocationId: '7f3a9c',
    chainId: 'Chain-42',
    agent: 'writer',
    tool: 'codex',
    model: 'gpt-5',
    status: 'timeout',
    project: 'alpha',
  });

  it('match every row when empty, and each field exactly', () => {
    expect(hasFilters(NO_FILTERS)).toBe(false);
    expect(matchesFilters(row, NO_FILTERS)).toBe(true);
    expect(matchesFilters(row, { ...NO_FILTERS, agent: 'writer', tool: 'codex', model: 'gpt-5' })).toBe(true);
    expect(matchesFilters(row, { ...NO_FILTERS, agent: 'write' })).toBe(false);
    expect(matchesFilters(row, { ...NO_FILTERS, project: 'alpha' })).toBe(true);
    expect(matchesFilters(row, { ...NO_FILTERS, project: 'beta' })).toBe(false);
    expect(matchesFilters(row, { ...NO_FILTERS, status: 'timeout' })).toBe(true);
    expect(matchesFilters(row, { ...NO_FILTERS, status: 'failed' })).toBe(false);
  });

  it('take "any failure" as every ended attempt that did not succeed', () => {
    expect(['failed', 'blocked', 'timeout', 'cancelled'].every(isFailure)).toBe(true);
    expect(isFailure('running') || isFailure('success')).toBe(false);
    const anyFailure = { ...NO_FILTERS, status: ANY_FAILURE };
    expect(matchesFilters(row, anyFailure)).toBe(true);
    expect(matchesFilters({ ...row, status: 'success' }, anyFailure)).toBe(false);
    expect(matchesFilters({ ...row, status: 'running' }, anyFailure)).toBe(false);
  });

  it('search the start of the invocation id or the chain id, ignoring case and spaces around', () => {
    expect(matchesFilters(row, { ...NO_FILTERS, q: '7F3' })).toBe(true);
    expect(matchesFilters(row, { ...NO_FILTERS, q: ' chain-4 ' })).toBe(true);
    expect(matchesFilters(row, { ...NO_FILTERS, q: '3a9c' })).toBe(false);
    expect(matchesFilters(row, { ...NO_FILTERS, q: 'writer' })).toBe(false);
  });

  it('read and write the query, keeping other parameters and never adding empty ones', () => {
    const read = filtersFromQuery(new URLSearchParams('agent=writer&status=any-failure&q=7f&view=x&model='));
    expect(read).toEqual({ ...NO_FILTERS, agent: 'writer', status: 'any-failure', q: '7f' });
    expect(filtersFromQuery(new URLSearchParams(`agent=${'a'.repeat(201)}`)).agent).toBe('');
    const written = filtersToQuery(
      { ...read, agent: '', project: 'a b&c' },
      new URLSearchParams('view=x&agent=old'),
    );
    expect(written.toString()).toBe('view=x&status=any-failure&project=a+b%26c&q=7f');
    expect(filtersFromQuery(written).project).toBe('a b&c');
  });
});
