/**
 * The package rules (docs/architecture.md): a plugin compiles against `@llm-service/spec` (a peer dependency) and may
 * use `@llm-service/plugin-kit` (a dependency), and nothing else of ours; its tests may also drive a kernel
 * (`@llm-service/core`) and use `@llm-service/testkit`. The spec depends on nothing of ours; the kit and the testkit
 * on the spec alone; the configuration (`@llm-service/config`) on the spec and the kit; core on those three.
 * Distributions (the CLI) are composition roots and may import everything.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';

const SCOPE = '@llm-service/';
const CORE = '@llm-service/core';
const SPEC = '@llm-service/spec';
const KIT = '@llm-service/plugin-kit';
const CONFIG = '@llm-service/config';
const TESTKIT = '@llm-service/testkit';
/** Package directories under packages/ that are not plugins. */
const CORE_DIR = 'core';
const DISTRIBUTION_DIRS = new Set(['cli']);
/** What each package that is not a plugin may import and depend on (besides itself); plugins follow PLUGIN_RULE. */
const LIBRARY_RULES: Record<string, { role: string; imports: readonly string[] }> = {
  spec: { role: 'the spec', imports: [] },
  'plugin-kit': { role: 'the plugin kit', imports: [SPEC] },
  testkit: { role: 'the testkit', imports: [SPEC] },
  config: { role: 'the configuration', imports: [SPEC, KIT] },
  core: { role: 'core', imports: [SPEC, KIT, CONFIG] },
};
const PLUGIN_IMPORTS = [SPEC, KIT];
/** A test may also run a kernel, read a configuration and use the testkit (devDependencies). */
const TEST_IMPORTS = [SPEC, KIT, CONFIG, CORE, TESTKIT];
const isTestFile = (file: string) => /\.test\.[cm]?[jt]sx?$/.test(file);
const SOURCE_EXTENSIONS = /\.(?:[cm]?[jt]sx?)$/;
const DEPENDENCY_FIELDS = [
  'dependencies',
  'peerDependencies',
  'optionalDependencies',
  'devDependencies',
] as const;

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface WorkspacePackage {
  dir: string;
  directoryName: string;
  manifest: Record<string, unknown> & { name?: string };
}

interface ModuleReference {
  specifier: string;
  line: number;
  kind: string;
}

/** Every package directory with a package.json under `packagesDir`, found afresh on each run. */
export function discoverPackages(packagesDir: string): WorkspacePackage[] {
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, 'package.json')))
    .map((entry) => {
      const dir = join(packagesDir, entry.name);
      const manifest = JSON.parse(
        readFileSync(join(dir, 'package.json'), 'utf8'),
      ) as WorkspacePackage['manifest'];
      return { dir, directoryName: entry.name, manifest };
    })
    .sort((a, b) => a.directoryName.localeCompare(b.directoryName));
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') files.push(...sourceFiles(path));
    } else if (SOURCE_EXTENSIONS.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      files.push(path);
    }
  }
  return files.sort();
}

function literalText(node: ts.Node | undefined): string | undefined {
  return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
    ? node.text
    : undefined;
}

/**
 * Module references in one file, found on its syntax tree (so comments and strings do not count): static imports,
 * `export … from`, `import x = require()`, `import('…')` (also in type positions), `require('…')` and
 * `require.resolve('…')` and `import.meta.resolve('…')`.
 */
export function moduleReferences(fileName: string, text: string): ModuleReference[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const references: ModuleReference[] = [];
  const add = (node: ts.Node, specifier: string | undefined, kind: string) => {
    if (specifier === undefined) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    references.push({ specifier, line, kind });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node, literalText(node.moduleSpecifier), 'import');
    else if (ts.isExportDeclaration(node)) add(node, literalText(node.moduleSpecifier), 'export from');
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, literalText(node.moduleReference.expression), 'import = require()');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, literalText(node.argument.literal), 'import() type');
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword) add(node, literalText(node.arguments[0]), 'import()');
      else if (ts.isIdentifier(callee) && callee.text === 'require')
        add(node, literalText(node.arguments[0]), 'require()');
      else if (
        ts.isPropertyAccessExpression(callee) &&
        ts.isIdentifier(callee.expression) &&
        callee.expression.text === 'require' &&
        callee.name.text === 'resolve'
      ) {
        add(node, literalText(node.arguments[0]), 'require.resolve()');
      } else if (
        ts.isPropertyAccessExpression(callee) &&
        ts.isMetaProperty(callee.expression) &&
        callee.expression.keywordToken === ts.SyntaxKind.ImportKeyword &&
        callee.name.text === 'resolve'
      ) {
        add(node, literalText(node.arguments[0]), 'import.meta.resolve()');
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return references;
}

/** `@llm-service/core/testing` → `@llm-service/core`; undefined for anything outside the scope. */
function scopedPackageName(specifier: string): string | undefined {
  if (!specifier.startsWith(SCOPE)) return undefined;
  return specifier.split('/').slice(0, 2).join('/');
}

function isInside(dir: string, path: string): boolean {
  const fromDir = relative(dir, path);
  return fromDir === '' || (!fromDir.startsWith('..') && !isAbsolute(fromDir));
}

/** Every breach of the package rules in the packages under `packagesDir`, one readable line each. */
export function findBoundaryViolations(packagesDir: string): string[] {
  const violations: string[] = [];
  for (const pkg of discoverPackages(packagesDir)) {
    if (DISTRIBUTION_DIRS.has(pkg.directoryName)) continue;
    const library = LIBRARY_RULES[pkg.directoryName];
    const name = pkg.manifest.name ?? pkg.directoryName;
    const role = library?.role ?? `plugin ${name}`;
    const allowed = library?.imports ?? PLUGIN_IMPORTS;
    const display = (path: string) => relative(packagesDir, path);
    const describeAllowed = (list: readonly string[]) =>
      list.length === 0 ? 'nothing of ours' : `only ${list.join(' and ')}`;

    let importsSpec = false;
    for (const file of sourceFiles(join(pkg.dir, 'src'))) {
      const permitted = isTestFile(file) ? [...new Set([...allowed, ...TEST_IMPORTS])] : allowed;
      for (const reference of moduleReferences(file, readFileSync(file, 'utf8'))) {
        const where = `${display(file)}:${reference.line}`;
        const target = scopedPackageName(reference.specifier);
        // A package may import itself by name (a subpath export kept out of its main entry, say).
        if (target === name) continue;
        if (target !== undefined) {
          if (permitted.includes(target)) {
            if (target === SPEC) importsSpec = true;
            continue;
          }
          violations.push(
            `${where}: ${role} may import ${describeAllowed(permitted)}, but ${reference.kind} '${reference.specifier}'`,
          );
          continue;
        }
        const isPath = reference.specifier.startsWith('.') || isAbsolute(reference.specifier);
        if (isPath && !isInside(pkg.dir, resolve(dirname(file), reference.specifier))) {
          violations.push(`${where}: ${reference.kind} '${reference.specifier}' reaches outside ${name}`);
        }
      }
    }

    for (const field of DEPENDENCY_FIELDS) {
      const dependencies = (pkg.manifest[field] ?? {}) as Record<string, string>;
      for (const dependency of Object.keys(dependencies)) {
        if (!dependency.startsWith(SCOPE)) continue;
        const where = `${display(join(pkg.dir, 'package.json'))}: ${field}`;
        if (field === 'devDependencies') {
          // A plugin's integration tests may compose other plugins (as a distribution does); the spec, the kits and
          // core are tested against no plugin.
          if (library && ![...TEST_IMPORTS, ...allowed].includes(dependency))
            violations.push(`${where}: ${role} must depend on no plugin, but lists ${dependency}`);
          continue;
        }
        if (!allowed.includes(dependency)) {
          violations.push(
            `${where}: ${role} may depend on ${describeAllowed(allowed)}, but lists ${dependency}`,
          );
        } else if (dependency === SPEC && !library && field !== 'peerDependencies') {
          violations.push(
            `${where}: ${role} must list ${SPEC} in peerDependencies (and devDependencies), not ${field}`,
          );
        }
      }
    }
    const peers = (pkg.manifest.peerDependencies ?? {}) as Record<string, string>;
    if (!library && importsSpec && !(SPEC in peers)) {
      violations.push(
        `${display(join(pkg.dir, 'package.json'))}: ${role} imports ${SPEC} but lacks it in peerDependencies`,
      );
    }
  }
  return violations;
}

describe('plugin boundaries', () => {
  const packagesDir = join(repositoryRoot, 'packages');

  it('finds core, the CLI and at least one plugin', () => {
    const names = discoverPackages(packagesDir).map((pkg) => pkg.directoryName);
    expect(names).toContain(CORE_DIR);
    expect(names.filter((name) => name !== CORE_DIR && !DISTRIBUTION_DIRS.has(name)).length).toBeGreaterThan(
      0,
    );
  });

  it('holds for every package of the workspace', () => {
    expect(findBoundaryViolations(packagesDir)).toEqual([]);
  });
});

describe('the boundary check itself', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  function writePackage(
    root: string,
    dir: string,
    manifest: Record<string, unknown>,
    files: Record<string, string>,
  ): void {
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, 'package.json'), JSON.stringify(manifest));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, dir, path)), { recursive: true });
      writeFileSync(join(root, dir, path), text);
    }
  }

  /** A synthetic packages/ directory whose core, CLI and one plugin keep to the rules. */
  function wellBehavedWorkspace(): string {
    const root = mkdtempSync(join(tmpdir(), 'llm-service-boundaries-'));
    roots.push(root);
    writePackage(
      root,
      'core',
      { name: CORE, dependencies: { [SPEC]: 'workspace:^', [KIT]: 'workspace:^' } },
      {
        'src/index.ts': "import { z } from '@llm-service/spec';\nexport const x = z;\nimport('./lazy.js');\n",
      },
    );
    writePackage(
      root,
      'cli',
      {
        name: '@llm-service/cli',
        dependencies: { [CORE]: 'workspace:^', '@llm-service/good': 'workspace:^' },
      },
      {
        'src/index.ts':
          "import good from '@llm-service/good';\nimport '../../core/src/index.js';\nexport { good };\n",
      },
    );
    writePackage(
      root,
      'good',
      {
        name: '@llm-service/good',
        peerDependencies: { [SPEC]: 'workspace:^' },
        dependencies: { [KIT]: 'workspace:^' },
        devDependencies: { [SPEC]: 'workspace:^', [CORE]: 'workspace:^', [TESTKIT]: 'workspace:^' },
      },
      {
        'src/index.ts': [
          "import { definePlugin } from '@llm-service/spec';",
          "import { runTool } from '@llm-service/plugin-kit';",
          "import { helper } from './lib/helper.js';",
          "// import other from '@llm-service/policy';",
          'const text = "require(\'@llm-service/policy\')";',
          'const dynamic = (name: string) => import(name);',
          'export default definePlugin({ helper, text, dynamic, runTool } as never);',
        ].join('\n'),
        'src/lib/helper.ts': "import { z } from '../../src/index.js';\nexport const helper = z;\n",
        // Its tests may drive a kernel and use the testkit.
        'src/index.test.ts':
          "import { createKernel } from '@llm-service/core';\nimport { writeTestConfig } from '@llm-service/testkit/testing';\nexport { createKernel, writeTestConfig };\n",
      },
    );
    return root;
  }

  it('accepts a well-behaved plugin, the CLI and core', () => {
    expect(findBoundaryViolations(wellBehavedWorkspace())).toEqual([]);
  });

  it('fails on every kind of offending import and dependency of a plugin', () => {
    const root = wellBehavedWorkspace();
    writePackage(
      root,
      'bad',
      {
        name: '@llm-service/bad',
        dependencies: { [SPEC]: 'workspace:^', [CORE]: 'workspace:^', '@llm-service/good': 'workspace:^' },
        optionalDependencies: { '@llm-service/telemetry': '^0.1.0' },
        devDependencies: { '@llm-service/cli': 'workspace:^' },
      },
      {
        'src/index.ts': [
          "import good from '@llm-service/good';",
          "export { x } from '@llm-service/policy/internal';",
          "const lazy = await import('@llm-service/telemetry');",
          "const required = require('@llm-service/adapter-claude');",
          "import type { Sibling } from '../../good/src/index.js';",
          "type T = typeof import('@llm-service/good');",
          "import core from '@llm-service/core';",
          "const url = import.meta.resolve('@llm-service/good');",
          'export { good, lazy, required, core, url };',
          'export type { Sibling, T };',
        ].join('\n'),
        'src/deep/legacy.cjs': 'module.exports = require(`../../../good/src/index.ts`);\n',
      },
    );

    expect(findBoundaryViolations(root)).toEqual([
      "bad/src/deep/legacy.cjs:1: require() '../../../good/src/index.ts' reaches outside @llm-service/bad",
      "bad/src/index.ts:1: plugin @llm-service/bad may import only @llm-service/spec and @llm-service/plugin-kit, but import '@llm-service/good'",
      "bad/src/index.ts:2: plugin @llm-service/bad may import only @llm-service/spec and @llm-service/plugin-kit, but export from '@llm-service/policy/internal'",
      "bad/src/index.ts:3: plugin @llm-service/bad may import only @llm-service/spec and @llm-service/plugin-kit, but import() '@llm-service/telemetry'",
      "bad/src/index.ts:4: plugin @llm-service/bad may import only @llm-service/spec and @llm-service/plugin-kit, but require() '@llm-service/adapter-claude'",
      "bad/src/index.ts:5: import '../../good/src/index.js' reaches outside @llm-service/bad",
      "bad/src/index.ts:6: plugin @llm-service/bad may import only @llm-service/spec and @llm-service/plugin-kit, but import() type '@llm-service/good'",
      "bad/src/index.ts:7: plugin @llm-service/bad may import only @llm-service/spec and @llm-service/plugin-kit, but import '@llm-service/core'",
      "bad/src/index.ts:8: plugin @llm-service/bad may import only @llm-service/spec and @llm-service/plugin-kit, but import.meta.resolve() '@llm-service/good'",
      'bad/package.json: dependencies: plugin @llm-service/bad must list @llm-service/spec in peerDependencies (and devDependencies), not dependencies',
      'bad/package.json: dependencies: plugin @llm-service/bad may depend on only @llm-service/spec and @llm-service/plugin-kit, but lists @llm-service/core',
      'bad/package.json: dependencies: plugin @llm-service/bad may depend on only @llm-service/spec and @llm-service/plugin-kit, but lists @llm-service/good',
      'bad/package.json: optionalDependencies: plugin @llm-service/bad may depend on only @llm-service/spec and @llm-service/plugin-kit, but lists @llm-service/telemetry',
    ]);
  });

  it('fails when core imports or depends on a plugin', () => {
    const root = wellBehavedWorkspace();
    writePackage(
      root,
      'core',
      { name: CORE, devDependencies: { '@llm-service/good': 'workspace:^' } },
      {
        'src/kernel.ts':
          "export const load = () => import('@llm-service/good');\nexport * from '../../good/src/index.js';\n",
      },
    );
    expect(findBoundaryViolations(root)).toEqual([
      "core/src/kernel.ts:1: core may import only @llm-service/spec and @llm-service/plugin-kit and @llm-service/config, but import() '@llm-service/good'",
      "core/src/kernel.ts:2: export from '../../good/src/index.js' reaches outside @llm-service/core",
      'core/package.json: devDependencies: core must depend on no plugin, but lists @llm-service/good',
    ]);
  });

  it('fails when the configuration imports core (core runs what it loads, never the other way round)', () => {
    const root = wellBehavedWorkspace();
    writePackage(
      root,
      'config',
      { name: CONFIG, dependencies: { [SPEC]: 'workspace:^', [CORE]: 'workspace:^' } },
      { 'src/load.ts': "import { createKernel } from '@llm-service/core';\nexport { createKernel };\n" },
    );
    expect(findBoundaryViolations(root)).toEqual([
      "config/src/load.ts:1: the configuration may import only @llm-service/spec and @llm-service/plugin-kit, but import '@llm-service/core'",
      'config/package.json: dependencies: the configuration may depend on only @llm-service/spec and @llm-service/plugin-kit, but lists @llm-service/core',
    ]);
  });

  it('discovers a package added later, without a list to update', () => {
    const root = wellBehavedWorkspace();
    writePackage(
      root,
      'dashboard',
      { name: '@llm-service/dashboard', peerDependencies: { [SPEC]: '^0.1.0' } },
      {
        'src/server.ts': "import { stats } from '@llm-service/telemetry';\nexport { stats };\n",
        // Importing itself by name (a subpath kept out of its main entry) is no breach.
        'src/index.ts': "export const load = () => import('@llm-service/dashboard/server');\n",
      },
    );
    expect(findBoundaryViolations(root)).toEqual([
      "dashboard/src/server.ts:1: plugin @llm-service/dashboard may import only @llm-service/spec and @llm-service/plugin-kit, but import '@llm-service/telemetry'",
    ]);
  });
});
