import { describe, expect, it } from 'vitest';
import { resetsAtFrom } from './retry-after.js';

const now = Date.UTC(2026, 11, 7, 9, 0, 0);
const headers = (values: Record<string, string>) => new Headers(values);

describe('resetsAtFrom', () => {
  it('reads Retry-After in seconds', () => {
    expect(resetsAtFrom(headers({ 'retry-after': '20' }), now)).toBe('2026-12-07T09:00:20.000Z');
    expect(resetsAtFrom(headers({ 'retry-after': '1.5' }), now)).toBe('2026-12-07T09:00:01.500Z');
  });

  it('reads Retry-After as an HTTP date, a past one meaning now', () => {
    expect(resetsAtFrom(headers({ 'retry-after': 'Mon, 07 Dec 2026 09:02:00 GMT' }), now)).toBe(
      '2026-12-07T09:02:00.000Z',
    );
    expect(resetsAtFrom(headers({ 'retry-after': 'Mon, 07 Dec 2026 08:00:00 GMT' }), now)).toBe(
      '2026-12-07T09:00:00.000Z',
    );
  });

  it('prefers OpenAI’s retry-after-ms', () => {
    expect(resetsAtFrom(headers({ 'retry-after-ms': '250', 'retry-after': '1' }), now)).toBe(
      '2026-12-07T09:00:00.250Z',
    );
  });

  it('is undefined without a readable header', () => {
    expect(resetsAtFrom(headers({}), now)).toBeUndefined();
    expect(resetsAtFrom(headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(resetsAtFrom(headers({ 'retry-after': '-5' }), now)).toBeUndefined();
  });
});
