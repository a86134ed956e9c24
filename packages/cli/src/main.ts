// First: it configures zod before any schema is built (see configure-zod.ts).
import './configure-zod.js';
import { CommanderError } from 'commander';
import { colorsFor } from './io/colors.js';
import { reportError } from './io/report-error.js';
import { createProgramFor, type CliContext, type CliIo } from './program.js';
import { builtinPlugins } from './builtin-plugins.js';
import { processIo } from './process-io.js';
import { bundleSqliteDriver } from './sqlite-driver.js';
import { cachedConfigurationFiles, keptAConfiguration } from './config-cache/config-cache-file.js';
import { usePrestart } from './prestart/prestart-launcher.js';
import { TrustStoreFile } from './trust/trust-store.js';
import type { Prestart } from './prestart/start-predicted-tool.js';
import type { DisposeOptions } from '@llm-service/spec';

export { processIo };

/**
 * Whether the binary should leave its code cache to a later run (see compile-cache.ts): this run validated a
 * configuration and kept it, so the runs after it read the configuration from the config cache and never run the
 * YAML parser and the schemas this one compiled. Kept in the code cache, those made it a quarter larger and every
 * later `exec` start about 2.8 ms slower (725 KB against 962 KB; V8 deserialises all of it).
 */
export function compileCacheShouldWait(): boolean {
  return keptAConfiguration();
}

/** What bin.js says of the run it starts. */
export interface BinaryRun {
  /** What bin.js predicted and started for an `exec` run before this code loaded (see start-predicted-tool.ts). */
  prestart?: Prestart | undefined;
  /** The process exits once main returns: plugins may leave to the next process what it does as well. */
  processExits?: boolean;
}

/** Runs the CLI and returns its exit code; never throws and never prints a stack trace. */
export async function main(
  argv: readonly string[],
  io: CliIo = processIo(),
  { prestart, processExits = false }: BinaryRun = {},
): Promise<number> {
  bundleSqliteDriver();
  const prediction = prestart ? usePrestart(prestart, io.env) : undefined;
  let exitCode = 0;
  const disposers: ((options: DisposeOptions) => Promise<void>)[] = [];
  const context: CliContext = {
    io,
    plugins: async () => builtinPlugins,
    pluginCommands: builtinPlugins.flatMap((plugin) => plugin.commands ?? []),
    setExitCode: (code) => {
      exitCode = code;
    },
    onDispose: (cleanup) => disposers.push(cleanup),
  };
  // A reader that went away (`config show | head -3`) leaves the rest of the output nowhere to go: end quietly, as
  // DESIGN section 4 asks, instead of crashing on an unhandled EPIPE. Any other write error is reported once. The
  // listener stays: a write's EPIPE can arrive after the command has returned.
  let stdoutFailed = false;
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || stdoutFailed) return;
    stdoutFailed = true;
    exitCode = reportError(error, io.stderr, colorsFor(io.stderr, io.env), false);
  };
  io.stdout.on('error', onStdoutError);
  try {
    await createProgramFor(context, argv).parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with code 0; every parse error is a usage error (exit 2).
      exitCode = error.exitCode === 0 ? 0 : 2;
    } else {
      exitCode = reportError(
        error,
        io.stderr,
        colorsFor(io.stderr, io.env),
        Boolean(io.env.LLM_SERVICE_DEBUG),
      );
    }
  } finally {
    for (const dispose of disposers.reverse()) {
      await dispose({ processExits }).catch((error: unknown) =>
        reportError(error, io.stderr, colorsFor(io.stderr, io.env), false),
      );
    }
    // The trust store too: taking a project's trust away must stop its tool from being started ahead of the check.
    const configuration = cachedConfigurationFiles();
    prediction?.finish(configuration && [...configuration, new TrustStoreFile(io.env).path]);
  }
  return exitCode;
}
