import { describe, expect, it } from 'vitest';
import { formatUsd, roundFigures } from './figures.js';

describe('figures for people and for JSON', () => {
  it('shows cents, or two significant digits below a cent', () => {
    expect([0, 0.000864, 0.0042, 0.01, 0.5, 12.345, 1234.5, -0.5, 0.0000001].map(formatUsd)).toEqual([
      '$0.00',
      '$0.00086',
      '$0.0042',
      '$0.01',
      '$0.50',
      '$12.35',
      '$1,234.50',
      '-$0.50',
      '$0.0000001',
    ]);
  });

  it('prints costs in JSON without float noise, and integers as they are', () => {
    const sum = 0.00001 * 8; // 0.00008000000000000001 in floating point
    expect(JSON.stringify({ costUsd: sum, tokens: 123_456_789_012, tiny: 1e-12 }, roundFigures)).toBe(
      '{"costUsd":0.00008,"tokens":123456789012,"tiny":1e-12}',
    );
    expect(JSON.stringify({ costUsd: 0.1 + 0.2 }, roundFigures)).toBe('{"costUsd":0.3}');
  });
});
