import { join } from 'node:path';
import type { ConfigIssue } from '@llm-service/spec';
import { describeZodIssues, locate, toPlainValue } from '@llm-service/plugin-kit';
import type { ZodType } from 'zod';
import { displayPathOf, type ConfigSources } from '../files/read-config-files.js';
import { interpolateEnv, type InterpolationProblem } from '../files/interpolate-env.js';

/** Every problem found in a configuration, each located at its file, line and column. */
export class IssueCollector {
  readonly issues: ConfigIssue[] = [];
  constructor(private readonly sources: ConfigSources) {}

  #displayPath(fileName: string): string {
    return displayPathOf(join(this.sources.dir, fileName), this.sources.cwd);
  }

  add(
    fileName: string,
    path: readonly PropertyKey[],
    message: string,
    suggestion?: string,
    atKey = false,
  ): void {
    const source = this.sources.files.get(fileName);
    const position = source ? locate(source, path, { pointAtKey: atKey }) : { line: 1, column: 1 };
    this.issues.push({
      file: source?.displayPath ?? this.#displayPath(fileName),
      line: position.line,
      column: position.column,
      path: path.map(String).join('.'),
      message,
      ...(suggestion ? { suggestion } : {}),
    });
  }

  /** Validates `value` with `schema`, records every problem under `prefix`, and returns the parsed value if valid. */
  parse<T>(
    fileName: string,
    schema: ZodType<T>,
    value: unknown,
    prefix: readonly PropertyKey[] = [],
  ): T | undefined {
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) return result.data;
    for (const problem of describeZodIssues(schema, result.error.issues)) {
      this.add(fileName, [...prefix, ...problem.path], problem.message, problem.suggestion, problem.atKey);
    }
    return undefined;
  }
}

/**
 * A file's value with `${VAR}` references resolved, or `undefined` when the file is absent or does not parse (both
 * already reported by `readConfigSources`, so validating it would only add noise).
 */
export function fileValue(
  sources: ConfigSources,
  fileName: string,
  env: Readonly<Record<string, string | undefined>>,
  collector: IssueCollector,
): unknown {
  const source = sources.files.get(fileName);
  if (!source || source.hasSyntaxErrors) return undefined;
  const plain = toPlainValue(source);
  if (plain.problem) {
    // Already located (an alias), and tied to no field.
    const { line, column, message } = plain.problem;
    collector.issues.push({ file: source.displayPath, line, column, path: '', message });
    return undefined;
  }
  const problems: InterpolationProblem[] = [];
  const value = interpolateEnv(plain.value, env, problems);
  for (const problem of problems) {
    collector.add(
      fileName,
      problem.path,
      `environment variable ${problem.variable} is not set`,
      `set ${problem.variable}, or give a default: \${${problem.variable}:-value}`,
    );
  }
  return value ?? {};
}
