import type { ZodRawShape, ZodType } from 'zod';

/** What zod's JSON Schema conversion passes a schema's `processJSONSchema`: it keeps each schema's entry in `seen`. */
interface JsonSchemaContext {
  seen: Map<unknown, unknown>;
}
type ProcessJsonSchema = (context: JsonSchemaContext, json: unknown, params: unknown) => void;

/**
 * A module-level schema (or object shape) that is built the first time it is used, and is otherwise the schema
 * itself: every operation on it (parse, `.shape`, `.extend`, `.optional()`, `instanceof`, spreading a shape, nesting
 * in another schema, JSON Schema) reaches what `build` returns, built once.
 *
 * Why: every schema a module declares is built when the module loads, and the CLI loads every built-in plugin's
 * modules at each start. Building them (about 700 zod schemas) was the largest part of `exec`'s own start-up, yet a
 * run whose configuration comes from the config cache parses none of them. Wrapping keeps each schema's type and
 * name, so no caller and no plugin compiled against an earlier spec changes.
 *
 * A Proxy forwards to the built schema; its own target stays an empty object, so every property is reported as
 * configurable (a Proxy may not report a non-configurable property its target lacks). One place sees the two
 * objects apart: zod's JSON Schema conversion keys its work by schema object, and the processors of wrapping
 * schemas (`.default()`, `.optional()`, a pipe...) look themselves up by the built object their closures hold, while
 * the graph holds this proxy. Its `processJSONSchema` files the built object under the proxy's entry first.
 */
export function lazySchema<T extends ZodType | ZodRawShape>(build: () => T): T {
  let built: T | undefined;
  let internals: object | undefined;
  const schema = (): T => (built ??= build());
  const internalsOf = (target: T): object => {
    const real = (target as { _zod?: { processJSONSchema?: ProcessJsonSchema } })._zod;
    if (!real?.processJSONSchema) return real as object;
    const process = real.processJSONSchema;
    const processJSONSchema: ProcessJsonSchema = (context, json, params) => {
      const entry = context.seen.get(proxy);
      if (entry !== undefined && !context.seen.has(target)) context.seen.set(target, entry);
      process(context, json, params);
    };
    return new Proxy(real, {
      get: (object, key) => (key === 'processJSONSchema' ? processJSONSchema : Reflect.get(object, key)),
    });
  };
  const handler: ProxyHandler<object> = {
    get: (_target, key) => {
      const target = schema();
      if (key !== '_zod') return Reflect.get(target, key);
      return (internals ??= internalsOf(target));
    },
    set: (_target, key, value) => Reflect.set(schema(), key, value),
    has: (_target, key) => Reflect.has(schema(), key),
    ownKeys: () => Reflect.ownKeys(schema()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(schema(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    defineProperty: (_target, key, descriptor) => Reflect.defineProperty(schema(), key, descriptor),
    deleteProperty: (_target, key) => Reflect.deleteProperty(schema(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(schema()),
  };
  const proxy = new Proxy({}, handler) as T;
  return proxy;
}
