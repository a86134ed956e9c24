import { Command, Option } from 'commander';
import type { CommandV1, DisposeOptions, PluginDefinition } from '@llm-service/spec';
import { addConfigDirOption, addRequestOptions, type RequestOptions } from './commands/shared-options.js';
import { cliVersion } from './version.js';
import { completionHelp, pluginKinds, templateNames, templateSummaries } from './init/help-texts.js';

/**
 * The values shell completion offers for an option. Kept beside commander's tree rather than as commander `choices`,
 * which would reject a typo before the command can answer it with a did-you-mean.
 */
export const optionValues = new WeakMap<Option, readonly string[]>();

function offering(option: Option, values: readonly string[] | undefined): Option {
  if (values && values.length > 0) optionValues.set(option, values);
  return option;
}

export interface CliIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

export interface CliContext {
  io: CliIo;
  /** Plugins this distribution loads (their commands are mounted here). */
  plugins: () => Promise<readonly PluginDefinition[]>;
  /** Static command declarations of the built-in plugins, known without loading any of them. */
  pluginCommands: readonly CommandV1[];
  setExitCode(code: number): void;
  /** Registers cleanup (e.g. disposing a kernel) that runs before the process exits, also on SIGINT and SIGTERM. */
  onDispose(cleanup: (options: DisposeOptions) => Promise<void>): void;
}

const examples = `
Examples:
  $ llm-service exec --agent architect --prompt-file task.md
  $ echo "Summarise this diff" | llm-service exec --agent writer --task-type docs
  $ llm-service exec --agent backend-dev --prompt "Add a health check" --tool codex --json
  $ llm-service route --agent architect --prompt-file task.md
  $ llm-service config validate --config-dir ./team-config

Exit codes: 0 success, 1 request failed, 2 usage or configuration error, 3 blocked by a policy,
130 interrupted (SIGINT), 143 terminated (SIGTERM).`;

/** The command tree. Actions import their implementation lazily, so `--version` and `--help` load almost nothing. */
export function createProgram(context: CliContext): Command {
  return createProgramFor(context, undefined);
}

/**
 * The command tree as a run with `argv` needs it. A run whose first word names a top-level command (`exec`, `route`,
 * `tasks`...) parses, helps and suggests within that command and the program's own options alone, so only that
 * command is built: building the whole tree of some 30 commands took 1.1 ms of CPU of every `exec` start, exec's
 * alone 0.5 ms (the minified bundle, measured with marks around the call; `--help` and the errors of 45 command
 * lines compared equal). Anything else (no command, help, an unknown word, `completion`, which prints the whole
 * tree) gets the whole tree; so does `argv` undefined.
 */
export function createProgramFor(context: CliContext, argv: readonly string[] | undefined): Command {
  const program = new Command('llm-service')
    .description('Route agent prompts to LLM tools, enforce budgets, and record what every call cost.')
    .version(cliVersion, '-V, --version')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
      outputError: (text, write) => write(text.replace(/^error:/, 'llm-service: error:')),
    })
    .exitOverride()
    .addHelpText('after', examples);

  const first = argv?.[0];
  const pluginWords = new Set(context.pluginCommands.map((command) => firstWord(command.name)));
  const only =
    first !== undefined && first !== 'completion' && (builtinCommands.has(first) || pluginWords.has(first))
      ? first
      : undefined;
  // In the order `--help` lists them.
  for (const [name, build] of builtinCommands)
    if (only === undefined || name === only) build(program, context);
  for (const pluginCommand of context.pluginCommands) {
    if (only === undefined || firstWord(pluginCommand.name) === only)
      mountPluginCommand(program, pluginCommand, context);
  }
  return program;
}

const firstWord = (name: string) => name.split(' ', 1)[0] ?? name;

type CommandBuilder = (program: Command, context: CliContext) => void;

/** The distribution's own top-level commands (with their subcommands), by name. */
const builtinCommands = new Map<string, CommandBuilder>([
  [
    'exec',
    (program, context) => {
      addRequestOptions(
        program
          .command('exec')
          .description("run a prompt on the agent's tool and stream the answer to stdout")
          .option('-o, --output <file>', 'write the answer to this file (atomically) instead of stdout')
          .option('--dry-run', 'show the plan and run nothing')
          .option('-y, --yes', 'answer yes to budget confirmations')
          .option('--force', 'run even if a hard budget would block (needs --reason)')
          .option('--reason <text>', 'why a forced run is needed (recorded)')
          .option('-q, --quiet', 'no notices on stderr')
          .option('-v, --verbose', 'also show the routing plan on stderr'),
      )
        .addHelpText(
          'after',
          '\nThe prompt comes from --prompt-file, --prompt, or stdin. Only the answer goes to stdout.',
        )
        .action(async (options: RequestOptions & ExecFlags) => {
          const { runExec } = await import('./commands/exec.js');
          context.setExitCode(await runExec(options, context));
        });
    },
  ],
  [
    'route',
    (program, context) => {
      addRequestOptions(
        program.command('route').description('explain which tool and model exec would use, running nothing'),
      ).action(async (options: RequestOptions) => {
        const { runRoute } = await import('./commands/route.js');
        context.setExitCode(await runRoute(options, context));
      });
    },
  ],
  [
    'config',
    (program, context) => {
      const config = program.command('config').description('check, show and trust configuration');
      addConfigDirOption(
        config.command('validate').description('validate every config file and report all problems'),
      ).action(async (options: { configDir?: string }) => {
        const { runConfigValidate } = await import('./commands/config.js');
        context.setExitCode(await runConfigValidate(options, context));
      });
      addConfigDirOption(
        config
          .command('show')
          .description('print the configuration files (${VAR} references, never their values)'),
      ).action(async (options: { configDir?: string }) => {
        const { runConfigShow } = await import('./commands/config.js');
        context.setExitCode(await runConfigShow(options, context));
      });
      addConfigDirOption(
        config.command('trust').description("trust a project config's current content, so it may run"),
      ).action(async (options: { configDir?: string }) => {
        const { runConfigTrust } = await import('./commands/config.js');
        context.setExitCode(await runConfigTrust(options, context));
      });
      addConfigDirOption(
        config
          .command('schema')
          .description('write a JSON Schema for every config file, for editor validation and completion'),
      )
        .option('--dir <dir>', 'where to write the schemas (default: <config dir>/.schemas)')
        .action(async (options: { configDir?: string; dir?: string }) => {
          const { runConfigSchema } = await import('./commands/config-schema.js');
          context.setExitCode(await runConfigSchema(options, context));
        });
    },
  ],
  [
    'init',
    (program, context) => {
      program
        .command('init')
        .description('write a config directory from a template, or with a short wizard on a terminal')
        .addOption(
          offering(
            new Option('--template <name>', `one of ${templateNames.join(', ')} (no questions asked)`),
            templateNames,
          ),
        )
        .option('--dir <dir>', 'where to write it (default: ./.llm-service)')
        .option('--force', 'overwrite files that exist')
        .option('--missing-only', 'write only the files that are missing, keeping those that exist')
        .addHelpText('after', templateSummaries)
        .action(
          async (options: { template?: string; dir?: string; force?: boolean; missingOnly?: boolean }) => {
            const { runInit } = await import('./commands/init.js');
            context.setExitCode(await runInit(options, context));
          },
        );
    },
  ],
  [
    'tools',
    (program, context) => {
      addConfigDirOption(
        program
          .command('tools')
          .description('which LLM CLIs are installed, which API keys are set, and what the config lacks'),
      )
        .option('--json', 'print as JSON')
        .action(async (options: { configDir?: string; json?: boolean }) => {
          const { runTools } = await import('./commands/tools.js');
          context.setExitCode(await runTools(options, context));
        });
    },
  ],
  [
    'completion',
    (program, context) => {
      program
        .command('completion')
        .description('print a shell completion script (bash, zsh or fish)')
        .argument('<shell>', 'bash, zsh or fish')
        .addHelpText('after', completionHelp)
        .action(async (shell: string) => {
          const { runCompletion } = await import('./commands/completion.js');
          context.setExitCode(runCompletion(shell, program, context));
        });
    },
  ],
  [
    '__complete',
    (program, context) => {
      addConfigDirOption(
        program.command('__complete', { hidden: true }).argument('<what>').option('-a, --agent <name>'),
      ).action(async (what: string, options: { configDir?: string; agent?: string }) => {
        const { runComplete } = await import('./commands/completion.js');
        context.setExitCode(runComplete(what, options, context));
      });
    },
  ],
  [
    'plugins',
    (program, context) => {
      const plugins = addConfigDirOption(
        program.command('plugins').description('list loaded plugins, their adapters and commands'),
      )
        .option('--json', 'print as JSON')
        .action(async (options: { configDir?: string; json?: boolean }) => {
          const { runPlugins } = await import('./commands/plugins.js');
          context.setExitCode(await runPlugins(options, context));
        });
      plugins
        .command('new')
        .description('write a new plugin package (adapter, policy, sink or command) whose tests pass')
        .argument('<name>', 'its npm name, e.g. llm-service-audit or @acme/llm-service-audit')
        .addOption(
          offering(
            new Option('--kind <kind>', 'adapter, policy, sink or command').makeOptionMandatory(),
            pluginKinds,
          ),
        )
        .option('--dir <dir>', 'where to write it (default: ./<name>)')
        .action(async (name: string, options: { kind: string; dir?: string }) => {
          const { runPluginsNew } = await import('./commands/plugins-new.js');
          context.setExitCode(runPluginsNew(name, options, context));
        });
    },
  ],
]);

export interface ExecFlags {
  output?: string;
  dryRun?: boolean;
  yes?: boolean;
  force?: boolean;
  reason?: string;
  quiet?: boolean;
  verbose?: boolean;
}

function mountPluginCommand(program: Command, definition: CommandV1, context: CliContext): void {
  let parent = program;
  const words = definition.name.split(' ');
  for (const word of words.slice(0, -1)) {
    parent =
      parent.commands.find((command) => command.name() === word) ??
      parent.command(word).description(`${word} commands (see --help of each)`);
  }
  const command = addConfigDirOption(
    parent.command(words[words.length - 1] ?? definition.name).description(definition.summary),
  );
  for (const argument of definition.arguments ?? []) {
    command.argument(argument.required ? `<${argument.name}>` : `[${argument.name}]`, argument.description);
  }
  for (const option of definition.options ?? []) {
    const added = new Option(option.flags, option.description);
    if (option.defaultValue !== undefined) added.default(option.defaultValue);
    command.addOption(offering(added, option.choices));
  }
  command.action(async (...received: unknown[]) => {
    const actionCommand = received[received.length - 1] as Command;
    const options = actionCommand.opts<{ configDir?: string }>();
    const { kernelFor } = await import('./commands/kernel-for.js');
    const code = await definition.run({
      args: actionCommand.args,
      options,
      io: {
        stdout: context.io.stdout,
        stderr: context.io.stderr,
        interactive: context.io.stdout.isTTY === true,
      },
      kernel: async () => kernelFor(options, context),
    });
    context.setExitCode(code);
  });
}
