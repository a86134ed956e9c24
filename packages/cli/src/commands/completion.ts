import type { Command } from 'commander';
import { configFileNames, UsageError } from '@llm-service/spec';
import { readConfigSources } from '@llm-service/config';
import { templateNames } from '../init/templates.js';
import { optionValues, type CliContext } from '../program.js';
import { kernelFor } from './kernel-for.js';

export const completionShells = ['bash', 'zsh', 'fish'] as const;

interface CommandWords {
  /** `exec`, or `config validate` for a sub-command. */
  path: string[];
  description: string;
  options: string[];
}

/** Every visible command with its options, read from the command tree, so completion never drifts from it. */
export function commandWords(program: Command): CommandWords[] {
  const words: CommandWords[] = [];
  const visit = (command: Command, path: string[]) => {
    for (const child of command.commands) {
      if ((child as Command & { _hidden?: boolean })._hidden) continue;
      const childPath = [...path, child.name()];
      const options = child.options
        .filter((option) => !option.hidden)
        .flatMap((option) => [option.long, option.short].filter((flag): flag is string => Boolean(flag)));
      // Positional choices the scripts should offer too (`completion bash`).
      const choices = child.name() === 'completion' && path.length === 0 ? [...completionShells] : [];
      words.push({
        path: childPath,
        description: child.description(),
        options: [...choices, ...options, '--help'],
      });
      visit(child, childPath);
    }
  };
  visit(program, []);
  return words;
}

const valueCompletions = {
  agents: ['--agent', '-a'],
  taskTypes: ['--task-type', '-t'],
  tools: ['--tool'],
  models: ['--model'],
  files: [
    '--prompt-file',
    '-f',
    '--context',
    '--output',
    '-o',
    '--config-dir',
    '--dir',
    '--workload',
    '--policies',
  ],
} as const;

const shellWords = (values: readonly string[]) => values.join(' ');

/** Options with a fixed set of values (`--by`, `--kind`, `--template`), by flag, read from the command tree. */
type StaticValues = ReadonlyMap<string, readonly string[]>;

function staticValues(program: Command): StaticValues {
  const values = new Map<string, string[]>();
  const visit = (command: Command) => {
    for (const option of command.options) {
      const offered = optionValues.get(option);
      if (!offered) continue;
      // One flag may name options of several commands: offer what any of them takes.
      const flag = option.long ?? option.short ?? option.flags;
      values.set(flag, [...new Set([...(values.get(flag) ?? []), ...offered])]);
    }
    for (const child of command.commands) visit(child);
  };
  visit(program);
  return values;
}
const singleQuoted = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

function bashScript(words: CommandWords[], values: StaticValues): string {
  const top = words.filter((word) => word.path.length === 1).map((word) => word.path[0]);
  const cases = words
    .filter((word) => word.path.length <= 2)
    .map((word) => {
      const children = words
        .filter((child) => child.path.length === word.path.length + 1 && child.path[0] === word.path[0])
        .map((child) => child.path[child.path.length - 1] ?? '');
      const key = word.path.join(' ');
      return `    ${singleQuoted(key)}) words=${singleQuoted(shellWords([...children, ...word.options]))} ;;`;
    });
  return `# bash completion for llm-service; load it with: source <(llm-service completion bash)
_llm_service_config_args() {
  local i
  for ((i = 1; i < \${#COMP_WORDS[@]} - 1; i++)); do
    if [[ \${COMP_WORDS[i]} == --config-dir ]]; then printf '%s\\n' --config-dir "\${COMP_WORDS[i + 1]}"; fi
  done
}
_llm_service_agent() {
  local i
  for ((i = 1; i < \${#COMP_WORDS[@]} - 1; i++)); do
    if [[ \${COMP_WORDS[i]} == --agent || \${COMP_WORDS[i]} == -a ]]; then printf '%s\\n' "\${COMP_WORDS[i + 1]}"; fi
  done
}
_llm_service() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD - 1]}" words key i
  local -a config_args
  mapfile -t config_args < <(_llm_service_config_args)
  case "$prev" in
    ${valueCompletions.agents.join('|')}) COMPREPLY=($(compgen -W "$(llm-service __complete agents "\${config_args[@]}" 2>/dev/null)" -- "$cur")); return ;;
    ${valueCompletions.taskTypes.join('|')}) COMPREPLY=($(compgen -W "$(llm-service __complete task-types --agent "$(_llm_service_agent)" "\${config_args[@]}" 2>/dev/null)" -- "$cur")); return ;;
    ${valueCompletions.tools.join('|')}) COMPREPLY=($(compgen -W "$(llm-service __complete tools "\${config_args[@]}" 2>/dev/null)" -- "$cur")); return ;;
    ${valueCompletions.models.join('|')}) COMPREPLY=($(compgen -W "$(llm-service __complete models "\${config_args[@]}" 2>/dev/null)" -- "$cur")); return ;;
${[...values].map(([flag, offered]) => `    ${flag}) COMPREPLY=($(compgen -W ${singleQuoted(shellWords(offered))} -- "$cur")); return ;;\n`).join('')}    ${valueCompletions.files.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  key=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    [[ \${COMP_WORDS[i]} == -* ]] && break
    key="\${key:+$key }\${COMP_WORDS[i]}"
  done
  case "$key" in
    '') words=${singleQuoted(shellWords([...top.filter((word): word is string => word !== undefined), '--help', '--version']))} ;;
${cases.join('\n')}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _llm_service llm-service
`;
}

function zshScript(words: CommandWords[], values: StaticValues): string {
  const top = words.filter((word) => word.path.length === 1);
  const cases = words
    .filter((word) => word.path.length <= 2)
    .map((word) => {
      const children = words
        .filter((child) => child.path.length === word.path.length + 1 && child.path[0] === word.path[0])
        .map((child) => child.path[child.path.length - 1] ?? '');
      return `    ${singleQuoted(word.path.join(' '))}) compadd -- ${[...children, ...word.options].map(singleQuoted).join(' ')} ;;`;
    });
  return `#compdef llm-service
# zsh completion for llm-service; load it (after compinit) with: source <(llm-service completion zsh)
_llm_service() {
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]} key="" agent="" i
  local -a config_args values
  for (( i = 2; i < CURRENT; i++ )); do
    [[ \${words[i]} == --config-dir ]] && config_args=(--config-dir "\${words[i+1]}")
    [[ \${words[i]} == --agent || \${words[i]} == -a ]] && agent=\${words[i+1]}
  done
  case $prev in
    ${valueCompletions.agents.join('|')}) values=(\${(f)"$(llm-service __complete agents $config_args 2>/dev/null)"}); compadd -- $values; return ;;
    ${valueCompletions.taskTypes.join('|')}) values=(\${(f)"$(llm-service __complete task-types --agent "$agent" $config_args 2>/dev/null)"}); compadd -- $values; return ;;
    ${valueCompletions.tools.join('|')}) values=(\${(f)"$(llm-service __complete tools $config_args 2>/dev/null)"}); compadd -- $values; return ;;
    ${valueCompletions.models.join('|')}) values=(\${(f)"$(llm-service __complete models $config_args 2>/dev/null)"}); compadd -- $values; return ;;
${[...values].map(([flag, offered]) => `    ${flag}) compadd -- ${offered.map(singleQuoted).join(' ')}; return ;;\n`).join('')}    ${valueCompletions.files.join('|')}) _files; return ;;
  esac
  for (( i = 2; i < CURRENT; i++ )); do
    [[ \${words[i]} == -* ]] && break
    key="\${key:+$key }\${words[i]}"
  done
  case $key in
    '') compadd -- ${[...top.map((word) => word.path[0] ?? ''), '--help', '--version'].map(singleQuoted).join(' ')} ;;
${cases.join('\n')}
  esac
}
compdef _llm_service llm-service
`;
}

function fishScript(words: CommandWords[], values: StaticValues): string {
  const lines = [
    '# fish completion for llm-service; save it as ~/.config/fish/completions/llm-service.fish',
    'function __llm_service_config_args',
    '    set -l tokens (commandline -opc)',
    '    set -l index (contains -i -- --config-dir $tokens)',
    '    and set -q tokens[(math $index + 1)]',
    '    and printf "%s\\n" --config-dir $tokens[(math $index + 1)]',
    'end',
    'function __llm_service_agent',
    '    set -l tokens (commandline -opc)',
    '    for flag in --agent -a',
    '        set -l index (contains -i -- $flag $tokens)',
    '        and set -q tokens[(math $index + 1)]',
    '        and echo $tokens[(math $index + 1)]',
    '    end',
    'end',
    'complete -c llm-service -f',
  ];
  const topNames = words.filter((word) => word.path.length === 1).map((word) => word.path[0] ?? '');
  for (const word of words) {
    if (word.path.length === 1) {
      lines.push(
        `complete -c llm-service -n "not __fish_seen_subcommand_from ${topNames.join(' ')}" -a ${singleQuoted(word.path[0] ?? '')} -d ${singleQuoted(word.description)}`,
      );
    } else if (word.path.length === 2) {
      lines.push(
        `complete -c llm-service -n "__fish_seen_subcommand_from ${word.path[0]}" -a ${singleQuoted(word.path[1] ?? '')} -d ${singleQuoted(word.description)}`,
      );
    }
  }
  const dynamic = (flags: readonly string[], source: string) => {
    const long = flags.find((flag) => flag.startsWith('--'))?.slice(2);
    const short = flags.find((flag) => /^-[^-]$/.test(flag))?.slice(1);
    return `complete -c llm-service ${long ? `-l ${long}` : ''} ${short ? `-s ${short}` : ''} -x -a ${source}`.replace(
      / +/g,
      ' ',
    );
  };
  lines.push(
    dynamic(
      valueCompletions.agents,
      "'(llm-service __complete agents (__llm_service_config_args) 2>/dev/null)'",
    ),
  );
  lines.push(
    dynamic(
      valueCompletions.taskTypes,
      "'(llm-service __complete task-types --agent (__llm_service_agent) (__llm_service_config_args) 2>/dev/null)'",
    ),
  );
  lines.push(
    dynamic(
      valueCompletions.tools,
      "'(llm-service __complete tools (__llm_service_config_args) 2>/dev/null)'",
    ),
  );
  lines.push(
    dynamic(
      valueCompletions.models,
      "'(llm-service __complete models (__llm_service_config_args) 2>/dev/null)'",
    ),
  );
  for (const [flag, offered] of values) lines.push(dynamic([flag], singleQuoted(offered.join(' '))));
  for (const flag of ['prompt-file', 'context', 'output', 'config-dir', 'dir'])
    lines.push(`complete -c llm-service -l ${flag} -r -F`);
  return `${lines.join('\n')}\n`;
}

export function runCompletion(shell: string, program: Command, context: CliContext): number {
  const words = commandWords(program);
  const values = staticValues(program);
  const scripts: Record<(typeof completionShells)[number], () => string> = {
    bash: () => bashScript(words, values),
    zsh: () => zshScript(words, values),
    fish: () => fishScript(words, values),
  };
  if (!(completionShells as readonly string[]).includes(shell)) {
    throw new UsageError(`no completion for shell '${shell}'`, {
      hint: `give one of ${completionShells.join(', ')}`,
    });
  }
  context.io.stdout.write(scripts[shell as (typeof completionShells)[number]]());
  return 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys of a mapping inside a config file, read without validation or plugins (completion must be fast and quiet). */
function keysOf(value: unknown, ...path: string[]): string[] {
  let node = value;
  for (const key of path) node = isRecord(node) ? node[key] : undefined;
  return isRecord(node) ? Object.keys(node) : [];
}

/** The hidden `__complete` command the completion scripts call: prints one candidate a line, and never fails. */
export function runComplete(
  what: string,
  options: { configDir?: string; agent?: string },
  context: CliContext,
): number {
  try {
    if (what === 'templates') {
      context.io.stdout.write(`${templateNames.join('\n')}\n`);
      return 0;
    }
    const location = kernelFor(options, context).configLocation();
    const sources = readConfigSources(location.dir, location.source, context.io.cwd, []);
    const read = (file: string): unknown => sources.files.get(file)?.document.toJS() as unknown;
    let values: string[] = [];
    if (what === 'agents') values = keysOf(read(configFileNames.agents), 'agents');
    else if (what === 'task-types' && options.agent)
      values = keysOf(read(configFileNames.agents), 'agents', options.agent, 'task_types');
    else if (what === 'tools') values = keysOf(read(configFileNames.tools), 'tools');
    else if (what === 'models') values = keysOf(read(configFileNames.models), 'models');
    if (values.length > 0) context.io.stdout.write(`${values.join('\n')}\n`);
  } catch {
    // A broken or missing config completes nothing; the user sees the problem when the command runs.
  }
  return 0;
}
