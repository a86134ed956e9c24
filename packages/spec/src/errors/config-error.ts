import { ExitCode, LlmServiceError } from './llm-service-error.js';

/** One problem in one config file, located precisely enough for an editor to jump to it. */
export interface ConfigIssue {
  /** Path of the file as the user would type it. */
  file: string;
  line: number;
  column: number;
  /** Dotted field path inside the file, e.g. `agents.architect.preferred_tool`. */
  path: string;
  message: string;
  suggestion?: string;
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  const field = issue.path ? ` ${issue.path}:` : '';
  const suggestion = issue.suggestion ? `; ${issue.suggestion}` : '';
  return `${where}:${field} ${issue.message}${suggestion}`;
}

/** How many problems the message lists; a file broken throughout (a wrong indent, say) would otherwise scroll away. */
const listedIssues = 50;

/** All problems of a config at once, so the user fixes them in one round; `issues` holds every one. */
export class ConfigError extends LlmServiceError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], hint?: string) {
    const count = issues.length;
    const heading = count === 1 ? 'invalid configuration' : `invalid configuration (${count} problems)`;
    const lines = issues.slice(0, listedIssues).map((issue) => `  ${formatConfigIssue(issue)}`);
    if (count > listedIssues)
      lines.push(`  … and ${(count - listedIssues).toLocaleString('en-US')} more like these`);
    super('E_CONFIG', `${heading}:\n${lines.join('\n')}`, {
      exitCode: ExitCode.usage,
      hint,
    });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
