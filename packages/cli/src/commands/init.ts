import { existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UsageError } from '@llm-service/spec';
import { suggestName } from '@llm-service/plugin-kit';
import { TrustStoreFile } from '@llm-service/core';
import { colorsFor } from '../io/colors.js';
import { writeFileAtomicSync as writeFileAtomic } from '@llm-service/plugin-kit';
import type { CliContext } from '../program.js';
import { renderPlan, templateNames, templates, type InitPlan } from '../init/templates.js';

export interface InitOptions {
  template?: string;
  dir?: string;
  force?: boolean;
}

/** `init` writes here when neither --dir nor the wizard names a directory: the project config of the working directory. */
export const defaultInitDir = '.llm-service';

export function findTemplate(name: string): InitPlan {
  const template = templates.find((candidate) => candidate.name === name);
  if (!template) {
    throw new UsageError(`unknown template '${name}'`, {
      hint: suggestName(name, templateNames, 'templates'),
    });
  }
  return template.plan;
}

/** Refuses to replace any existing file unless forced, naming every one that is in the way. */
export function assertWritable(dir: string, names: Iterable<string>, force: boolean): void {
  if (force) return;
  const existing = [...names].filter((name) => existsSync(join(dir, name)));
  if (existing.length === 0) return;
  throw new UsageError(`${dir} already has ${existing.join(', ')}; nothing was written`, {
    hint: 'pass --force to overwrite them, or --dir for another directory',
  });
}

export interface WrittenConfig {
  dir: string;
  files: string[];
}

/** Writes the plan's files (each atomically), then the JSON Schemas the files reference, and trusts the result. */
export async function writePlan(
  plan: InitPlan,
  dir: string,
  force: boolean,
  context: CliContext,
): Promise<WrittenConfig> {
  const files = renderPlan(plan);
  assertWritable(dir, files.keys(), force);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) writeFileAtomic(join(dir, name), text);
  const { writeConfigSchemas } = await import('./config-schema.js');
  const schemaFiles = await writeConfigSchemas(dir, undefined, context);
  // The user chose this content just now: record it as trusted, so a project config runs without another step.
  new TrustStoreFile(context.io.env).trust(dir);
  return { dir, files: [...files.keys(), ...schemaFiles.map((file) => relative(dir, file))] };
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function reportWritten(written: WrittenConfig, plan: InitPlan, context: CliContext): void {
  const { stdout, cwd, env } = context.io;
  const colors = colorsFor(stdout, env);
  const shown = relative(cwd, written.dir) || '.';
  const agents = Object.keys(plan.agents);
  stdout.write(`${colors.green('wrote')} ${shown}/ (${plan.origin}):\n`);
  for (const file of written.files) stdout.write(`  ${file}\n`);
  stdout.write(
    `${count(agents.length, 'agent')} (${agents.join(', ')}), ${count(plan.tools.length, 'tool')} (${plan.tools.join(', ')}), ` +
      `${count(plan.budgets.length, 'budget')}. The directory is trusted.\n`,
  );
  const configDirFlag = shown === defaultInitDir ? '' : ` --config-dir ${shown}`;
  stdout.write(
    `next: llm-service config validate${configDirFlag}   (check it)\n` +
      `      llm-service tools${configDirFlag}             (see which tools are installed)\n` +
      `      llm-service exec${configDirFlag} --agent ${agents[0] ?? 'AGENT'} --prompt "..."\n`,
  );
}

export async function runInit(options: InitOptions, context: CliContext): Promise<number> {
  const { io } = context;
  if (options.template === undefined) {
    if (io.stdin.isTTY !== true || io.stdout.isTTY !== true) {
      throw new UsageError('no --template given, and the wizard needs a terminal', {
        hint: `pass --template ${templateNames.join('|')}`,
      });
    }
    const { runInitWizard } = await import('../init/wizard.js');
    return runInitWizard(options, context);
  }
  const plan = findTemplate(options.template);
  const dir = resolve(io.cwd, options.dir ?? defaultInitDir);
  const written = await writePlan(plan, dir, options.force === true, context);
  reportWritten(written, plan, context);
  return 0;
}
