#!/usr/bin/env node
/**
 * The checked-in API reports (`packages/<name>/api/*.api.md`), made by API Extractor from the built declarations
 * (`pnpm build` first), one per public entry point: the spec's is the plugin API's report; the plugin kit's and the
 * testkit's are what plugin authors build on; core's is the small library API (`createKernel`, the config loader).
 *
 *   node scripts/api-report.mjs            check: exit 1, with a diff, when the API differs from the report
 *   node scripts/api-report.mjs --update   write the reports
 *   --project <dir>                        another package folder laid out like packages/core (used by the tests): only
 *                                          core's entry points are checked, against that folder's api/
 *
 * Reports are formatted with the repository's Prettier settings so that `prettier --check .` accepts them; the
 * comparison is exact on the formatted text. Any API Extractor warning or error fails a check (the notice about
 * the bundled TypeScript version is informational and does not).
 */
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const coreDir = join(repositoryRoot, 'packages', 'core');
const configPath = join(coreDir, 'api-extractor.json');

/** Public entry points: the declaration file each reads and the report it is compared with (`<name>.api.md`). */
const packagesDir = join(repositoryRoot, 'packages');
const CORE_ENTRY_POINTS = [{ subpath: '.', entry: 'dist/index.d.ts', report: 'core' }];
/** Every package with a reviewed public API, and its entry points. */
const PROJECTS = [
  {
    name: '@llm-service/spec',
    dir: join(packagesDir, 'spec'),
    entryPoints: [{ subpath: '.', entry: 'dist/index.d.ts', report: 'spec' }],
  },
  {
    name: '@llm-service/plugin-kit',
    dir: join(packagesDir, 'plugin-kit'),
    entryPoints: [{ subpath: '.', entry: 'dist/index.d.ts', report: 'plugin-kit' }],
  },
  {
    name: '@llm-service/testkit',
    dir: join(packagesDir, 'testkit'),
    entryPoints: [
      { subpath: '.', entry: 'dist/index.d.ts', report: 'testkit' },
      { subpath: './testing', entry: 'dist/testing/index.d.ts', report: 'testkit-testing' },
    ],
  },
  {
    name: '@llm-service/config',
    dir: join(packagesDir, 'config'),
    entryPoints: [{ subpath: '.', entry: 'dist/index.d.ts', report: 'config' }],
  },
  { name: '@llm-service/core', dir: coreDir, entryPoints: CORE_ENTRY_POINTS },
];

/** Messages that are about the report files, which this script compares and writes itself. */
const OWN_MESSAGES = new Set([
  'console-api-report-created',
  'console-api-report-copied',
  'console-api-report-not-copied',
  'console-api-report-unchanged',
  'console-writing-api-report',
]);

function parseArguments(argv) {
  const options = { update: false, project: undefined };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--update') options.update = true;
    else if (argument === '--check') options.update = false;
    else if (argument === '--project') options.project = resolve(argv[++index] ?? '');
    else throw new Error(`unknown argument: ${argument}`);
  }
  return options;
}

function diff(expectedPath, actualPath) {
  const result = spawnSync('git', ['diff', '--no-index', '--no-color', '--', expectedPath, actualPath], {
    encoding: 'utf8',
  });
  return result.stdout || result.stderr || '(no diff available)';
}

/** Runs API Extractor on one entry point and returns the report it generates, formatted like the checked-in one. */
async function generateReport(project, entryPoint, workDir) {
  const configObject = ExtractorConfig.loadFile(configPath);
  configObject.projectFolder = project;
  configObject.mainEntryPointFilePath = join(project, entryPoint.entry);
  configObject.compiler = {
    ...configObject.compiler,
    overrideTsconfig: {
      ...configObject.compiler.overrideTsconfig,
      files: [configObject.mainEntryPointFilePath],
    },
  };
  configObject.apiReport = {
    ...configObject.apiReport,
    enabled: true,
    reportFileName: entryPoint.report,
    reportFolder: join(workDir, 'report'),
    reportTempFolder: join(workDir, 'temp'),
  };
  if (!existsSync(configObject.mainEntryPointFilePath)) {
    throw new Error(
      `${relative(repositoryRoot, configObject.mainEntryPointFilePath)} is missing: run pnpm build`,
    );
  }
  mkdirSync(configObject.apiReport.reportFolder, { recursive: true });
  const extractorConfig = ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: configPath,
    packageJsonFullPath: join(project, 'package.json'),
  });
  const problems = [];
  const result = Extractor.invoke(extractorConfig, {
    localBuild: true,
    messageCallback: (message) => {
      if (OWN_MESSAGES.has(message.messageId)) {
        message.handled = true;
      } else if (
        message.logLevel === ExtractorLogLevel.Warning ||
        message.logLevel === ExtractorLogLevel.Error
      ) {
        problems.push(message.formatMessageWithLocation(project));
      }
    },
  });
  if (!result.succeeded) problems.push(`API Extractor failed with ${result.errorCount} error(s)`);
  const generatedPath = join(configObject.apiReport.reportFolder, `${entryPoint.report}.api.md`);
  const reportPath = join(project, 'api', `${entryPoint.report}.api.md`);
  // The repository's Prettier settings, also for a project outside it (the tests use a temporary copy).
  const prettierOptions = (await resolveConfig(join(coreDir, 'api', `${entryPoint.report}.api.md`))) ?? {};
  const text = await format(readFileSync(generatedPath, 'utf8'), {
    ...prettierOptions,
    filepath: reportPath,
  });
  return { text, reportPath, problems };
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const workRoot = mkdtempSync(join(tmpdir(), 'llm-service-api-report-'));
  let failed = false;
  try {
    const projects = options.project
      ? [{ name: '@llm-service/core', dir: options.project, entryPoints: CORE_ENTRY_POINTS }]
      : PROJECTS;
    for (const { name, dir, entryPoints } of projects)
      for (const entryPoint of entryPoints) {
        const workDir = join(workRoot, entryPoint.report);
        const { text, reportPath, problems } = await generateReport(dir, entryPoint, workDir);
        const shownPath = relative(process.cwd(), reportPath) || reportPath;
        const current = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : undefined;
        if (problems.length > 0) {
          failed = true;
          console.error(
            `${shownPath} (${entryPoint.subpath}): API Extractor reported:\n  ${problems.join('\n  ')}`,
          );
        }
        if (options.update) {
          if (current === text) {
            console.log(`${shownPath}: unchanged`);
          } else {
            mkdirSync(dirname(reportPath), { recursive: true });
            writeFileSync(reportPath, text);
            console.log(
              `${shownPath}: ${current === undefined ? 'created' : 'updated'}; review the diff and commit it`,
            );
          }
        } else if (current === text) {
          console.log(`${shownPath}: up to date`);
        } else {
          failed = true;
          const actualPath = join(workDir, `${entryPoint.report}.api.md`);
          writeFileSync(actualPath, text);
          console.error(
            current === undefined
              ? `${shownPath} is missing: run pnpm api:update and commit it`
              : `The public API of ${name} (${entryPoint.subpath}) changed but ${shownPath} was not updated.\n` +
                  `Run pnpm api:update, review the diff, commit the report and add a changeset.\n` +
                  diff(reportPath, actualPath),
          );
        }
      }
  } finally {
    rmSync(workRoot, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
