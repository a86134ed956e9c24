import type { z } from '@llm-service/spec';
import { closestMatch } from '../text/did-you-mean.js';

export interface FieldProblem {
  path: PropertyKey[];
  message: string;
  suggestion?: string;
  /** Point at the key rather than its value (unknown keys). */
  atKey?: boolean;
}

interface SchemaInternals {
  _zod?: {
    def?: {
      type?: string;
      shape?: Record<string, z.ZodType>;
      innerType?: z.ZodType;
      valueType?: z.ZodType;
      element?: z.ZodType;
      in?: z.ZodType;
      options?: z.ZodType[];
    };
  };
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (let depth = 0; depth < 10 && current; depth++) {
    const def = (current as SchemaInternals)._zod?.def;
    if (!def) return current;
    if (
      def.innerType &&
      ['optional', 'default', 'nullable', 'prefault', 'readonly', 'catch'].includes(def.type ?? '')
    ) {
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
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
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
  // YAML's .inf, -.inf and .nan, and numbers too large for a double (1e400 reads as infinity), by what they are.
  if (typeof value === 'number' && Number.isNaN(value)) return '.nan (not a number)';
  if (typeof value === 'number' && !Number.isFinite(value))
    return `${value > 0 ? '' : '-'}.inf (infinity, or a number too large to represent)`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

const expectedNames: Record<string, string> = {
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

/** zod's own wording ("Too small: expected number to be >=0"), replaced unless a schema gave its own message. */
const defaultSizeMessage = /^Too (small|big):/;

function describeSize(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const bound = small
    ? (issue as z.core.$ZodIssueTooSmall).minimum
    : (issue as z.core.$ZodIssueTooBig).maximum;
  const comparison = small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
  const input = (issue as { input?: unknown }).input;
  switch (issue.origin) {
    case 'array':
    case 'set':
      return small
        ? `expected at least ${String(bound)} item${Number(bound) === 1 ? '' : 's'}`
        : `expected at most ${String(bound)} item${Number(bound) === 1 ? '' : 's'}`;
    case 'string':
      return small && Number(bound) === 1
        ? 'expected a non-empty string'
        : `expected a string of ${small ? 'at least' : 'at most'} ${String(bound)} characters`;
    default:
      return `expected a number ${comparison} ${String(bound)}, got ${describeValue(input)}`;
  }
}

/** What to do about a `version:` other than the one this release reads. */
function versionSuggestion(input: unknown): string | undefined {
  if (typeof input !== 'number') return 'the first line of every config file is `version: 1`';
  if (input > 1) return 'this file was written for a newer llm-service: upgrade llm-service to read it';
  // No format predates version 1, so there is nothing to migrate from (yet): `config migrate` arrives with version 2.
  return 'version 1 is the first config format; write `version: 1`';
}

function isMissing(issue: z.core.$ZodIssue): boolean {
  return (
    (issue.code === 'invalid_type' || issue.code === 'invalid_value') &&
    (issue as { input?: unknown }).input === undefined
  );
}

const pathKey = (path: readonly PropertyKey[]) => JSON.stringify(path.map(String));

/**
 * Turns zod issues into messages a person can act on, one per problem. A misspelt required field (`prefered_tool`)
 * is one problem, not two: the unknown key's did-you-mean already says what is missing.
 */
export function describeZodIssues(schema: z.ZodType, issues: readonly z.core.$ZodIssue[]): FieldProblem[] {
  const missing = new Set(issues.filter(isMissing).map((issue) => pathKey(issue.path)));
  const explained = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const known = knownKeysAt(schema, issue.path);
    for (const key of issue.keys) {
      const match = closestMatch(key, known);
      const matchPath = pathKey([...issue.path, match ?? '']);
      if (match !== undefined && missing.has(matchPath)) explained.add(matchPath);
    }
  }

  const problems: FieldProblem[] = [];
  for (const issue of issues) {
    const path = [...issue.path];
    if (isMissing(issue) && explained.has(pathKey(path))) continue;
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
            ? {
                path,
                message: `missing required field '${field}'`,
                suggestion: `add '${field}:' (${expected})`,
              }
            : { path, message: `expected ${expected}, got ${describeValue(input)}` },
        );
        break;
      }
      case 'invalid_value': {
        const allowed = issue.values.map((value) => String(value));
        const input = (issue as { input?: unknown }).input;
        const field = String(path[path.length - 1] ?? 'value');
        const isVersion = path.length === 1 && field === 'version';
        if (input === undefined) {
          problems.push({
            path,
            message: `missing required field '${field}'`,
            suggestion:
              allowed.length === 1
                ? `add '${field}: ${allowed[0]}'`
                : `add '${field}:' (one of ${allowed.join(', ')})`,
          });
          break;
        }
        if (isVersion) {
          const suggestion = versionSuggestion(input);
          problems.push({
            path,
            message: `${input !== null && typeof input === 'object' ? describeValue(input) : JSON.stringify(input)} is not supported: ${issue.message.startsWith('expected `') ? issue.message : `expected ${allowed.join(' or ')}`}`,
            ...(suggestion ? { suggestion } : {}),
          });
          break;
        }
        const match = typeof input === 'string' ? closestMatch(input, allowed) : undefined;
        problems.push({
          path,
          message: issue.message.startsWith('expected `')
            ? issue.message
            : `expected one of ${allowed.join(', ')}, got ${describeValue(input)}`,
          suggestion: match ? `did you mean '${match}'?` : undefined,
        });
        break;
      }
      case 'invalid_key': {
        // A record key that breaks the key schema (e.g. an agent name with a space): shown at the key.
        const key = String(path[path.length - 1] ?? '');
        const reasons = (issue.issues ?? [])
          .map((inner) => inner.message)
          .filter((message) => message.length > 0);
        problems.push({
          path,
          atKey: true,
          message: `invalid name '${key}'${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}`,
        });
        break;
      }
      case 'too_small':
      case 'too_big': {
        problems.push({
          path,
          message: defaultSizeMessage.test(issue.message) ? describeSize(issue) : issue.message,
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
