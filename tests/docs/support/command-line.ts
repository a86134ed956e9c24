/**
 * Turns one command of the guide into what to run, without a shell: words split by shell-quote (POSIX quoting,
 * backslash escapes, `$VAR` and `${VAR}` from the session's environment, `#` comments) plus the few shell features a
 * reader's terminal gives the guide's commands, each handled here explicitly:
 *
 *   a | b | c          a pipeline: each program's stdout is the next one's stdin; every stage must succeed
 *   > FILE, >> FILE    the last program's stdout written to (appended to) FILE
 *   < FILE             the first program's stdin read from FILE
 *   ~, ~/…             a word that starts with them: the session's HOME
 *   cd DIR, export NAME=VALUE…   the session's working directory and environment
 *
 * Anything else a shell would interpret (`&&`, `;`, `$(…)`, globs, `2>`, a `#` inside a word…) is refused with a
 * message that says so, rather than run with a different meaning. The product never uses a shell; this test does not
 * need one either, and an argv it built is exactly what it reports when a command fails.
 */
import { parse, type ParseEntry } from 'shell-quote';

export interface Stage {
  argv: string[];
}

export type ParsedCommand =
  | { kind: 'cd'; dir: string }
  | { kind: 'export'; variables: [name: string, value: string][] }
  | {
      kind: 'run';
      stages: Stage[];
      stdin?: string;
      stdout?: { path: string; append: boolean };
    };

export class UnsupportedSyntax extends Error {}

/** Parses `text` with `env` for `$VAR` (an unset variable is an error, not an empty string). */
export function parseCommand(text: string, env: Readonly<Record<string, string | undefined>>): ParsedCommand {
  const unset: string[] = [];
  const entries: ParseEntry[] = parse(text, (name: string) => {
    const value = env[name];
    if (value === undefined) unset.push(name);
    return value ?? '';
  });
  if (unset.length > 0) throw new UnsupportedSyntax(`$${unset.join(', $')} is not set`);
  const comment = entries.at(-1);
  if (comment !== undefined && typeof comment === 'object' && 'comment' in comment) {
    // shell-quote starts a comment at any `#`; a shell only at the start of a word.
    const at = text.length - comment.comment.length - 1;
    if (text[at] !== '#' || (at > 0 && !/\s/.test(text[at - 1] ?? '')))
      throw new UnsupportedSyntax(`a '#' inside a word (a shell keeps it; quote the word)`);
    entries.pop();
  }
  const home = env.HOME ?? '';
  const stages: Stage[] = [{ argv: [] }];
  let stdin: string | undefined;
  let stdout: { path: string; append: boolean } | undefined;
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index];
    if (typeof entry === 'string') {
      if (stdout) throw new UnsupportedSyntax(`words after a redirection ('${entry}')`);
      stages.at(-1)?.argv.push(expandTilde(entry, home));
      continue;
    }
    if (entry === undefined) continue;
    if ('comment' in entry) throw new UnsupportedSyntax('a comment in the middle of a command');
    if (entry.op === 'glob')
      throw new UnsupportedSyntax(`a glob pattern (${entry.pattern}): nothing here expands it; quote it`);
    if (entry.op === '|') {
      if (stdout) throw new UnsupportedSyntax('a pipe after a redirection');
      stages.push({ argv: [] });
      continue;
    }
    if (entry.op === '>' || entry.op === '>>' || entry.op === '<') {
      const target = entries[index + 1];
      if (typeof target !== 'string')
        throw new UnsupportedSyntax(`'${entry.op}' without a file name after it`);
      index++;
      // `2>` would reach here as the word "2" then `>`: the digit must not touch the operator.
      if (/\d[<>]/.test(text.replace(/'[^']*'|"(?:\\.|[^"\\])*"/g, '')))
        throw new UnsupportedSyntax('a redirection of a numbered file descriptor (2>, 2>&1…)');
      const path = expandTilde(target, home);
      if (entry.op === '<') {
        if (stages.length > 1 || stdin !== undefined)
          throw new UnsupportedSyntax("'<' anywhere but on the first program");
        stdin = path;
      } else {
        if (stdout) throw new UnsupportedSyntax('two output redirections');
        stdout = { path, append: entry.op === '>>' };
      }
      continue;
    }
    throw new UnsupportedSyntax(`the shell operator '${entry.op}' (write one command a line)`);
  }
  if (stages.some((stage) => stage.argv.length === 0))
    throw new UnsupportedSyntax(stages.length > 1 ? 'an empty stage in a pipeline' : 'no command');
  const [first] = stages;
  const program = first?.argv[0];
  if (program === 'cd' || program === 'export') {
    if (stages.length > 1 || stdin !== undefined || stdout !== undefined)
      throw new UnsupportedSyntax(`'${program}' in a pipeline or with a redirection`);
    const args = first?.argv.slice(1) ?? [];
    if (program === 'cd') {
      if (args.length > 1) throw new UnsupportedSyntax('cd with more than one directory');
      return { kind: 'cd', dir: args[0] ?? home };
    }
    const variables = args.map((argument): [string, string] => {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(argument);
      if (!match?.[1] || match[2] === undefined)
        throw new UnsupportedSyntax(`export of '${argument}' (NAME=VALUE only)`);
      return [match[1], match[2]];
    });
    if (variables.length === 0) throw new UnsupportedSyntax('export with nothing to set');
    return { kind: 'export', variables };
  }
  return {
    kind: 'run',
    stages,
    ...(stdin === undefined ? {} : { stdin }),
    ...(stdout === undefined ? {} : { stdout }),
  };
}

/**
 * `~` and `~/…` at the start of a word, as a shell expands them unquoted. (shell-quote does not say whether a word was
 * quoted; the guide never quotes a leading tilde.)
 */
function expandTilde(word: string, home: string): string {
  if (word === '~') return home;
  return word.startsWith('~/') ? `${home}${word.slice(1)}` : word;
}
