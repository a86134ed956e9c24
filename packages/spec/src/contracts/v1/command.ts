import type { KernelHandle } from './kernel-handle.js';

export interface CommandOptionV1 {
  /** Commander-style flags, e.g. `--since <date>` or `--json`. */
  flags: string;
  description: string;
  defaultValue?: string | boolean;
  /** The values the option takes, offered by shell completion (plugin API 1.3); the command still checks its input. */
  choices?: readonly string[];
}

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** True when stdout is a terminal: commands then draw tables and colour, else plain text. */
  interactive: boolean;
}

export interface CommandInput {
  args: readonly string[];
  options: Readonly<Record<string, unknown>>;
  io: CommandIo;
  /** Loads the configuration and plugins on first use, so commands that need neither start fast. */
  kernel(): Promise<KernelHandle>;
}

/** A CLI sub-command a plugin contributes, independent of the CLI library the distribution uses. */
export interface CommandV1 {
  readonly specificationVersion: 'v1';
  /** Words of the command, e.g. `stats` or `telemetry prune`. */
  name: string;
  summary: string;
  arguments?: readonly { name: string; required: boolean; description?: string }[];
  options?: readonly CommandOptionV1[];
  /** Returns the exit code. */
  run(input: CommandInput): Promise<number>;
}
