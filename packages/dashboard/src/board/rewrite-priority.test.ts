import { describe, expect, it } from 'vitest';
import { withPriority } from './rewrite-priority.js';

describe('withPriority', () => {
  it('changes only the priority, keeping comments, key order, quoting and layout', () => {
    const source = [
      '# Task for the backend',
      'id: T-001   # stable id',
      'status: assigned',
      '',
      "priority: 'low'   # set by the architect",
      'tags: [api, budget]',
      'nested:',
      '    deep:   value',
      'description: |',
      '  Implement **GET /budget**.',
      '# trailing comment',
      '',
    ].join('\n');
    expect(withPriority(source, 'high')).toBe(source.replace("'low'", "'high'"));
  });

  it('quotes a value that would otherwise read as something other than text', () => {
    expect(withPriority('priority: low # c\n', 'true')).toBe('priority: "true" # c\n');
    expect(withPriority('priority: low\n', '1')).toBe('priority: "1"\n');
    expect(withPriority('priority: low\n', 'a: b')).toBe('priority: "a: b"\n');
    expect(withPriority('priority: low\n', '#1')).toBe('priority: "#1"\n');
  });

  it('adds a missing priority at the end, keeping comments and key order', () => {
    const source = '# header\nid: T-2 # the id\nstatus: new\n\ntitle: x\n';
    expect(withPriority(source, 'critical')).toBe(
      '# header\nid: T-2 # the id\nstatus: new\n\ntitle: x\npriority: critical\n',
    );
  });

  it('fills an empty priority', () => {
    expect(withPriority('priority:\ntitle: x\n', 'low')).toBe('priority: low\ntitle: x\n');
  });

  it('refuses what is not a mapping', () => {
    expect(withPriority('- a\n', 'low')).toBeUndefined();
    expect(withPriority('a: "x\n', 'low')).toBeUndefined();
  });
});
