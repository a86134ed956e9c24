import { configFileNames } from '@llm-service/spec';
import { readConfigSources } from '@llm-service/config';
import { forTerminal } from '@llm-service/plugin-kit';
import type { CliContext } from '../program.js';
import { TrustStoreFile } from '../trust/trust-store.js';
import { kernelFor } from './kernel-for.js';

export async function runConfigValidate(
  options: { configDir?: string },
  context: CliContext,
): Promise<number> {
  const kernel = kernelFor(options, context);
  const location = kernel.configLocation();
  if (location.source === 'project') {
    // Checking a config must not run it: an untrusted one is checked as far as that allows, its plugins listed.
    const trust = new TrustStoreFile(context.io.env).check(location.dir);
    if (trust.status !== 'trusted') {
      const { validateUntrusted } = await import('./config-validate-untrusted.js');
      return validateUntrusted(location.dir, trust, context);
    }
  }
  const config = await kernel.config();
  const plugins = await kernel.plugins();
  const count = (record: object) => Object.keys(record).length;
  context.io.stdout.write(
    `config OK: ${config.dir} (${count(config.agents)} agents, ${count(config.tools)} tools, ${count(config.models)} models; ` +
      `${plugins.length} plugins)\n`,
  );
  return 0;
}

/** A URL's password written into a file (`postgresql://team:secret@db`), but not a `${VAR}` reference. */
const urlPassword = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)(?!\$\{)([^\s@]+)@/gi;

/**
 * Prints the files as written: `${VAR}` references stay references, so no secret is ever shown; a password written
 * into a URL itself (a team's database) is shown redacted.
 */
export async function runConfigShow(options: { configDir?: string }, context: CliContext): Promise<number> {
  const location = kernelFor(options, context).configLocation();
  const sources = readConfigSources(location.dir, location.source, context.io.cwd);
  context.io.stdout.write(`# config directory: ${location.dir} (${location.source})\n`);
  for (const name of Object.values(configFileNames)) {
    const source = sources.files.get(name);
    if (!source) continue;
    const text = source.text.replace(urlPassword, '$1[REDACTED]@');
    context.io.stdout.write(`\n# --- ${name} ---\n${text.endsWith('\n') ? text : `${text}\n`}`);
  }
  return 0;
}

/** How many changed files `config trust` names; the rest are counted. */
const listedChanges = 50;

export async function runConfigTrust(options: { configDir?: string }, context: CliContext): Promise<number> {
  const location = kernelFor(options, context).configLocation();
  const { sha256, before } = new TrustStoreFile(context.io.env).record(location.dir);
  const { stdout } = context.io;
  stdout.write(
    `trusted ${location.dir} (sha256 ${sha256.slice(0, 12)}); editing its files needs trusting again\n`,
  );
  if (before.status === 'trusted') {
    stdout.write(`nothing changed since it was trusted (${before.trustedAt ?? 'before'})\n`);
  } else if (before.status === 'changed') {
    const since = `since it was last trusted (${before.trustedAt ?? 'before'})`;
    if (!before.changes) {
      stdout.write(
        `changed ${since}; which files changed is not known: that trust was recorded by an earlier version of llm-service\n`,
      );
    } else {
      stdout.write(`changed ${since}:\n`);
      const rows = [
        ...before.changes.modified.map((path) => `  modified  ${path}`),
        ...before.changes.added.map((path) => `  added     ${path}`),
        ...before.changes.removed.map((path) => `  removed   ${path}`),
      ];
      for (const row of rows.slice(0, listedChanges)) stdout.write(`${forTerminal(row)}\n`);
      if (rows.length > listedChanges) stdout.write(`  … and ${rows.length - listedChanges} more\n`);
    }
  }
  return 0;
}
