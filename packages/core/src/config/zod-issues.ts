import type { z, ZodType } from 'zod';
import { closestMatch } from '../text/did-you-mean.js';

export interface FieldProblem {
  path: PropertyKey[];
  message: string;
  suggestion?: string;
  /** Point at the key rather than its value (unknown keys). */
  atKey?: boolean;
}

interface SchemaInternals {
  _zod?: { def?: { type?: string; shape?: Record<string, ZodType>; innerType?: ZodType; valueType?: ZodType; element?: ZodType; in?: ZodType; options?: ZodType[] } };
}

function unwrap(schema: ZodType | undefined): ZodType | undefined {
  let current = schema;
  for (let depth = 0; depth < 10 && current; depth++) {
    const def = (current as SchemaInternals)._zod?.def;
    if (!def) return current;
    if (def.innerType && ['optional', 'default', 'nullable', 'prefault', 'readonly', 'catch'].includes(def.type ?? '')) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else {
      return current;
    }
  }
  return current;
}

/** The object keys the schema allows at `path`, for did-you-mean on unknown keys. */
function knownKeysAt(schema: ZodType, path: readonly PropertyKey[]): string[] {
  let current = unwrap(schema);
  for (const segment of path) {
    const def = (current as SchemaInternals | undefined)?._zod?.def;
    if (!def) return [];
    if (def.type === 'object' && def.shape) current = unwrap(def.shape[String(segment)]);
    else if (def.type === 'record' && def.valueType) current = unwrap(def.valueType);
    else if (def.type === 'array' && def.element) current = unwrap(def.element);
    else return [];
  }
  const def = (current as SchemaInternals | undefined)?._zod?.def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

const expectedNames: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

/** Turns zod issues into messages a person can act on, one per problem. */
export function describeZodIssues(schema: ZodType, issues: readonly z.core.$ZodIssue[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of issues) {
    const path = [...issue.path];
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema, path);
        for (const key of issue.keys) {
          const match = closestMatch(key, known);
          problems.push({
            path: [...path, key],
            atKey: true,
            message: `unknown field '${key}'`,
            suggestion: match
              ? `did you mean '${match}'? Allowed: ${known.join(', ')}`
              : known.length > 0
                ? `allowed fields: ${known.join(', ')}`
                : undefined,
          });
        }
        break;
      }
      case 'invalid_type': {
        const input = (issue as { input?: unknown }).input;
        const field = String(path[path.length - 1] ?? 'value');
        const expected = expectedNames[issue.expected] ?? issue.expected;
        problems.push(
          input === undefined
            ? { path, message: `missing required field '${field}'`, suggestion: `add '${field}:' (${expected})` }
            : { path, message: `expected ${expected}, got ${describeValue(input)}` },
        );
        break;
      }
      case 'invalid_value': {
        const allowed = issue.values.map((value) => String(value));
        const input = (issue as { input?: unknown }).input;
        const match = typeof input === 'string' ? closestMatch(input, allowed) : undefined;
        problems.push({
          path,
          message: issue.message.startsWith('expected `') ? issue.message : `expected one of ${allowed.join(', ')}, got ${describeValue(input)}`,
          suggestion: match ? `did you mean '${match}'?` : undefined,
        });
        break;
      }
      case 'invalid_union': {
        problems.push({ path, message: `unexpected value: ${issue.message}` });
        break;
      }
      default:
        problems.push({ path, message: issue.message });
    }
  }
  return problems;
}
