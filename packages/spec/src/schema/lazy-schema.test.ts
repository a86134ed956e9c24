import { describe, expect, it } from 'vitest';
import { toJSONSchema, ZodObject, ZodType } from 'zod';
import * as z from './zod.js';
import { lazySchema } from './lazy-schema.js';

describe('lazySchema', () => {
  it('builds nothing until first used, then builds once', () => {
    let builds = 0;
    const schema = lazySchema(() => {
      builds++;
      return z.strictObject({ name: z.string() });
    });
    expect(builds).toBe(0);
    expect(schema.parse({ name: 'a' })).toEqual({ name: 'a' });
    expect(schema.safeParse({ name: 1 }).success).toBe(false);
    expect(builds).toBe(1);
  });

  it('is the schema it builds: shape, extend, optional, instanceof, nesting, JSON Schema', () => {
    const inner = lazySchema(() => z.strictObject({ max: z.number().int().min(0) }));
    const outer = lazySchema(() => z.strictObject({ retry: inner.optional(), name: z.string() }));
    expect(inner).toBeInstanceOf(ZodObject);
    expect(inner).toBeInstanceOf(ZodType);
    expect(Object.keys(outer.shape)).toEqual(['retry', 'name']);
    expect(outer.parse({ name: 'x', retry: { max: 2 } })).toEqual({ name: 'x', retry: { max: 2 } });
    expect(() => outer.parse({ name: 'x', retry: { max: -1 } })).toThrow(/>=0/);
    const extended = outer.extend({ extra: z.boolean() });
    expect(extended.parse({ name: 'x', extra: true })).toEqual({ name: 'x', extra: true });
    expect(toJSONSchema(outer)).toMatchObject({
      type: 'object',
      properties: { retry: { type: 'object', properties: { max: { type: 'integer' } } } },
    });
  });

  it('keeps issue paths and messages of a nested lazy schema', () => {
    const item = lazySchema(() => z.strictObject({ id: z.string().min(1, 'expected an id') }));
    const list = z.array(item);
    const result = list.safeParse([{ id: 'a' }, { id: '' }]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: [1, 'id'], message: 'expected an id' });
  });

  it('spreads and enumerates a lazy shape like the object it builds', () => {
    const shape = lazySchema(() => ({ a: z.string(), b: z.number().default(1) }));
    expect(Object.keys(shape)).toEqual(['a', 'b']);
    expect('a' in shape).toBe(true);
    const schema = z.strictObject({ ...shape, c: z.boolean() });
    expect(schema.parse({ a: 'x', c: false })).toEqual({ a: 'x', b: 1, c: false });
  });

  it('converts to JSON Schema when a lazy wrapping schema (default, optional, pipe) is nested', () => {
    const retry = lazySchema(() => z.strictObject({ max: z.number() }).default({ max: 0 }));
    const name = lazySchema(() => z.string().optional());
    const size = lazySchema(() => z.string().transform((text) => text.length));
    const tool = lazySchema(() => z.strictObject({ retry, name, size: size.optional() }));
    const eager = z.strictObject({
      retry: z.strictObject({ max: z.number() }).default({ max: 0 }),
      name: z.string().optional(),
      size: z
        .string()
        .transform((text) => text.length)
        .optional(),
    });
    expect(toJSONSchema(tool, { io: 'input' })).toEqual(toJSONSchema(eager, { io: 'input' }));
    expect(tool.parse({ name: 'a', size: 'abc' })).toEqual({ retry: { max: 0 }, name: 'a', size: 3 });
  });
});
