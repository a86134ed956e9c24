import { existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UsageError } from '@llm-service/spec';
import { suggestName } from '@llm-service/plugin-kit';
import { colorsFor } from '../io/colors.js';
import { writeFileAtomicSync as writeFileAtomic } from '@llm-service/plugin-kit';
import type { CliContext } from '../program.js';
import { renderPlan, templateNames, templates, type InitPlan } from '../init/templates.js';
import { TrustStoreFile } from '../trust/trust-store.js';

export interface InitOptions {
  template?: string;
  dir?: string;
  force?: boolean;
  /** Write only the files that are missing, keeping those that exist. */
  missingOnly?: boolean;
}

/** What to do with a file the plan would write that exists already. */
export type ExistingFiles = 'refuse' | 'overwrite' | 'keep';

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

/**
 * Refuses to replace any existing file, naming every one that is in the way and offering to write only the missing
 * ones.
 */
export function assertWritable(dir: string, names: Iterable<string>): void {
  const all = [...names];
  const existing = all.filter((name) => existsSync(join(dir, name)));
  if (existing.length === 0) return;
  const missing = all.filter((name) => !existing.includes(name));
  const keep = missing.length > 0 ? `pass --missing-only to write only ${missing.join(', ')}; ` : '';
  throw new UsageError(`${dir} already has ${existing.join(', ')}; nothing was written`, {
    hint: `${keep}pass --force to overwrite them, or --dir for another directory`,
  });
}

export interface WrittenConfig {
  dir: string;
  files: string[];
  /** Files that existed and were kept (with `keep`). */
  kept: string[];
  trusted: boolean;
}

/**
 * Writes the plan's files (each atomically), then the JSON Schemas the files reference, and trusts the result when
 * this command wrote every file of it.
 */
export async function writePlan(
  plan: InitPlan,
  dir: string,
  existing: ExistingFiles,
  context: CliContext,
): Promise<WrittenConfig> {
  const files = new Map(renderPlan(plan));
  if (existing === 'refuse') assertWritable(dir, files.keys());
  const kept = existing === 'keep' ? [...files.keys()].filter((name) => existsSync(join(dir, name))) : [];
  for (const name of kept) files.delete(name);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) writeFileAtomic(join(dir, name), text);
  const { writeConfigSchemas } = await import('./config-schema.js');
  const schemaFiles = await writeConfigSchemas(dir, undefined, context);
  // The user chose this content just now: record it as trusted, so a project config runs without another step. Not
  // so for files kept: nobody has looked at them in this run (a cloned project's, say).
  const trusted = kept.length === 0;
  if (trusted) new TrustStoreFile(context.io.env).trust(dir);
  return { dir, files: [...files.keys(), ...schemaFiles.map((file) => relative(dir, file))], kept, trusted };
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function reportWritten(written: WrittenConfig, plan: InitPlan, context: CliContext): void {
  const { stdout, cwd, env } = context.io;
  const colors = colorsFor(stdout, env);
  const shown = relative(cwd, written.dir) || '.';
  const agents = Object.keys(plan.agents);
  stdout.write(`${colors.green('wrote')} ${shown}/ (${plan.origin}):\n`);
  for (const file of written.files) stdout.write(`  ${file}\n`);
  if (written.kept.length > 0) stdout.write(`kept, as they were: ${written.kept.join(', ')}\n`);
  const trust = written.trusted
    ? 'The directory is trusted.'
    : `Not trusted yet, as it holds files this command did not write: review them, then run \`llm-service config trust --config-dir ${shown}\`.`;
  stdout.write(
    `${count(agents.length, 'agent')} (${agents.join(', ')}), ${count(plan.tools.length, 'tool')} (${plan.tools.join(', ')}), ` +
      `${count(plan.budgets.length, 'budget')}. ${trust}\n`,
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
  if (options.force && options.missingOnly)
    throw new UsageError('give either --force or --missing-only, not both');
  const existing = options.force ? 'overwrite' : options.missingOnly ? 'keep' : 'refuse';
  const written = await writePlan(plan, dir, existing, context);
  reportWritten(written, plan, context);
  return 0;
}
