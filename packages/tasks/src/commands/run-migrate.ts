import { lazySchema, z, type CommandInput } from '@llm-service/spec';
import { formatIssue } from '../file/issues.js';
import { printable } from './render.js';
import { commandOptions, commandStore, writeJson } from './command-store.js';

const migrateOptions = lazySchema(() =>
  z.object({ dryRun: z.boolean().optional(), json: z.boolean().optional() }),
);

/** `tasks migrate`: rewrites old-shape task files in place; what it cannot fix is listed on stderr. */
export async function runMigrate(input: CommandInput): Promise<number> {
  const options = commandOptions(input, migrateOptions);
  const { store } = await commandStore(input);
  const report = await store.migrate({ dryRun: options.dryRun === true });
  if (options.json) {
    writeJson(input, {
      workDir: report.workDir,
      dryRun: options.dryRun === true,
      migrated: report.migrated,
      unchanged: report.unchanged,
      problems: report.issues.map((issue) => ({ ...issue, text: formatIssue(issue) })),
    });
    return 0;
  }
  const verb = options.dryRun ? 'would migrate' : 'migrated';
  for (const file of report.migrated)
    input.io.stdout.write(`${verb} ${file.path}: ${printable(file.changes.join('; '))}\n`);
  input.io.stdout.write(
    `${report.migrated.length} ${verb === 'migrated' ? 'migrated' : 'to migrate'}, ${report.unchanged} unchanged in ${report.workDir}\n`,
  );
  if (report.issues.length > 0) {
    input.io.stderr.write(`llm-service: ${report.issues.length} problems are left to fix by hand:\n`);
    for (const issue of report.issues) input.io.stderr.write(`  ${printable(formatIssue(issue))}\n`);
  }
  return 0;
}
