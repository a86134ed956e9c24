/**
 * The zod that core and plugins build config schemas with: every schema constructor and type, but not zod's locales,
 * JSON Schema conversion or codecs. Re-exporting zod's own `z` namespace object would put all of those into every
 * start of the CLI (measured: the namespace bundle is 760 KB and adds about 20 ms to a start; this one is a fraction).
 * JSON Schema generation imports zod directly, and only in the command that needs it.
 */
export {
  any,
  array,
  bigint,
  boolean,
  custom,
  date,
  discriminatedUnion,
  enum,
  instanceof,
  int,
  intersection,
  lazy,
  literal,
  looseObject,
  map,
  never,
  null,
  nullable,
  nullish,
  number,
  object,
  optional,
  partialRecord,
  pipe,
  preprocess,
  record,
  set,
  strictObject,
  string,
  symbol,
  transform,
  tuple,
  undefined,
  union,
  unknown,
  url,
  email,
  uuid,
  ZodError,
  NEVER,
} from 'zod';
import type {
  input as zodInput,
  output as zodOutput,
  ZodRawShape as ZodRawShapeOfZod,
  ZodTypeAny as ZodTypeAnyOfZod,
} from 'zod';

// Aliases, not re-exports: the bundled .d.ts turned re-exported type-only names into `declare const` values, so
// `z.output<typeof schema>` failed to compile for anyone who installed core. (An alias named `infer` cannot be
// referenced, hence the other names.)
export type SchemaOutput<T> = zodOutput<T>;
export type SchemaInput<T> = zodInput<T>;
export type { SchemaOutput as output, SchemaOutput as infer, SchemaInput as input };
export type ZodRawShape = ZodRawShapeOfZod;
export type ZodTypeAny = ZodTypeAnyOfZod;
export type {
  ZodType,
  ZodObject,
  ZodString,
  ZodNumber,
  ZodBoolean,
  ZodArray,
  ZodRecord,
  ZodEnum,
  ZodLiteral,
  ZodOptional,
  ZodDefault,
  ZodNullable,
  ZodUnion,
  ZodUnknown,
  ZodError as ZodErrorType,
} from 'zod';
export type * as core from 'zod/v4/core';
