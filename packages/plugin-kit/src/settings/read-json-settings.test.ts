import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from '@llm-service/spec';
import { readJsonSettings } from './read-json-settings.js';

const directory = mkdtempSync(join(tmpdir(), 'json-settings-'));
const file = (name: string, text: string) => {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
};
const schema = z.looseObject({ mode: z.string().optional() });

describe('readJsonSettings', () => {
  it('reads the part the schema describes', () => {
    expect(readJsonSettings(file('a.json', '{"mode":"x","other":1}'), schema)).toEqual({
      mode: 'x',
      other: 1,
    });
  });

  it('drops whole-line comments only when asked', () => {
    const path = file('b.json', '{\n  // chosen\n  "mode": "y"\n}');
    expect(readJsonSettings(path, schema)).toBeUndefined();
    expect(readJsonSettings(path, schema, { lineComments: true })?.mode).toBe('y');
  });

  it('is undefined for no path, a missing file, bad JSON or the wrong shape', () => {
    expect(readJsonSettings(undefined, schema)).toBeUndefined();
    expect(readJsonSettings(join(directory, 'missing.json'), schema)).toBeUndefined();
    expect(readJsonSettings(file('c.json', '{'), schema)).toBeUndefined();
    expect(readJsonSettings(file('d.json', '{"mode":3}'), schema)).toBeUndefined();
  });
});
