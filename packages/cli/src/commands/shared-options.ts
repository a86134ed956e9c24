import { Option, type Command } from 'commander';

/** Options every command that loads the configuration takes. */
export function addConfigDirOption(command: Command): Command {
  return command.option(
    '--config-dir <dir>',
    'config directory (default: $LLM_SERVICE_CONFIG_DIR, ./.llm-service, ~/.config/llm-service)',
  );
}

/** The request options `exec` and `route` share (DESIGN section 4). */
export function addRequestOptions(command: Command): Command {
  return addConfigDirOption(command)
    .requiredOption('-a, --agent <name>', 'the agent whose preferences route the request')
    .option('-f, --prompt-file <file>', "read the prompt from a file ('-' for stdin)")
    .option('-p, --prompt <text>', 'the prompt text')
    .option('-t, --task-type <type>', "use the agent's route for this task type")
    .option(
      '--context <file>',
      'add a file before the prompt (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--tool <tool>', 'run on this tool')
    .option('--model <model>', 'run this model')
    .option('--no-fallback', 'try only the first candidate')
    .addOption(
      new Option('--timeout <seconds>', "per-attempt time limit (default: the tool's timeout_s)").argParser(
        parsePositive('--timeout'),
      ),
    )
    .option(
      '--chain-id <id>',
      'link this invocation to a workflow (default: $LLM_SERVICE_CHAIN_ID or a new id)',
    )
    .addOption(
      new Option('--max-cost-usd <usd>', 'block the request when its estimate exceeds this').argParser(
        parsePositive('--max-cost-usd'),
      ),
    )
    .option('--json', 'print the result as JSON on stdout');
}

function parsePositive(flag: string): (value: string) => number {
  return (value: string) => {
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0) {
      throw new (class extends Error {
        code = 'commander.invalidArgument';
      })(`${flag} takes a positive number, got '${value}'`);
    }
    return number;
  };
}

export interface RequestOptions {
  configDir?: string;
  agent: string;
  promptFile?: string;
  prompt?: string;
  taskType?: string;
  context?: string[];
  tool?: string;
  model?: string;
  fallback: boolean;
  timeout?: number;
  chainId?: string;
  maxCostUsd?: number;
  json?: boolean;
}
