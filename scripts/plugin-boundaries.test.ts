/**
 * DESIGN section 1: core knows no plugin, and a plugin depends on `@llm-service/core` (as a peer) and on nothing else
 * of ours. Distributions (the CLI) are composition roots and may import everything.
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
/** Package directories under packages/ that are not plugins. */
const CORE_DIR = 'core';
const DISTRIBUTION_DIRS = new Set(['cli']);
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

/** Every breach of the plugin boundaries in the packages under `packagesDir`, one readable line each. */
export function findBoundaryViolations(packagesDir: string): string[] {
  const violations: string[] = [];
  for (const pkg of discoverPackages(packagesDir)) {
    if (DISTRIBUTION_DIRS.has(pkg.directoryName)) continue;
    const isCore = pkg.directoryName === CORE_DIR;
    const name = pkg.manifest.name ?? pkg.directoryName;
    const role = isCore ? 'core' : 'plugin';
    const display = (path: string) => relative(packagesDir, path);

    let importsCore = false;
    for (const file of sourceFiles(join(pkg.dir, 'src'))) {
      for (const reference of moduleReferences(file, readFileSync(file, 'utf8'))) {
        const where = `${display(file)}:${reference.line}`;
        const target = scopedPackageName(reference.specifier);
        if (target === CORE) {
          importsCore = true;
          continue;
        }
        // A package may import itself by name (a subpath export kept out of its main entry, say).
        if (target === name) continue;
        if (target !== undefined) {
          violations.push(
            `${where}: ${role} ${name} ${isCore ? 'must import no plugin' : 'may import only @llm-service/core'}, but ${reference.kind} '${reference.specifier}'`,
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
        if (isCore) {
          if (dependency !== CORE)
            violations.push(`${where}: core must depend on no plugin, but lists ${dependency}`);
        } else if (dependency !== CORE) {
          if (field !== 'devDependencies') {
            violations.push(`${where}: plugin ${name} may depend only on ${CORE}, but lists ${dependency}`);
          }
        } else if (field === 'dependencies' || field === 'optionalDependencies') {
          violations.push(
            `${where}: plugin ${name} must list ${CORE} in peerDependencies (and devDependencies), not ${field}`,
          );
        }
      }
    }
    const peers = (pkg.manifest.peerDependencies ?? {}) as Record<string, string>;
    if (!isCore && importsCore && !(CORE in peers)) {
      violations.push(
        `${display(join(pkg.dir, 'package.json'))}: plugin ${name} imports ${CORE} but lacks it in peerDependencies`,
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
      { name: CORE },
      { 'src/index.ts': "export const x = 1;\nimport('./lazy.js');\n" },
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
        peerDependencies: { [CORE]: 'workspace:^' },
        devDependencies: { [CORE]: 'workspace:^' },
      },
      {
        'src/index.ts': [
          "import { definePlugin } from '@llm-service/spec';",
          "import type { Fake } from '@llm-service/testkit/testing';",
          "import { helper } from './lib/helper.js';",
          "// import other from '@llm-service/policy';",
          'const text = "require(\'@llm-service/policy\')";',
          'const dynamic = (name: string) => import(name);',
          'export default definePlugin({ helper, text, dynamic } as unknown as Fake);',
        ].join('\n'),
        'src/lib/helper.ts': "import { z } from '../../src/index.js';\nexport const helper = z;\n",
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
        dependencies: { [CORE]: 'workspace:^', '@llm-service/good': 'workspace:^' },
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
          "import core from '@llm-service/spec';",
          "const url = import.meta.resolve('@llm-service/good');",
          'export { good, lazy, required, core, url };',
          'export type { Sibling, T };',
        ].join('\n'),
        'src/deep/legacy.cjs': 'module.exports = require(`../../../good/src/index.ts`);\n',
      },
    );

    expect(findBoundaryViolations(root)).toEqual([
      "bad/src/deep/legacy.cjs:1: require() '../../../good/src/index.ts' reaches outside @llm-service/bad",
      "bad/src/index.ts:1: plugin @llm-service/bad may import only @llm-service/core, but import '@llm-service/good'",
      "bad/src/index.ts:2: plugin @llm-service/bad may import only @llm-service/core, but export from '@llm-service/policy/internal'",
      "bad/src/index.ts:3: plugin @llm-service/bad may import only @llm-service/core, but import() '@llm-service/telemetry'",
      "bad/src/index.ts:4: plugin @llm-service/bad may import only @llm-service/core, but require() '@llm-service/adapter-claude'",
      "bad/src/index.ts:5: import '../../good/src/index.js' reaches outside @llm-service/bad",
      "bad/src/index.ts:6: plugin @llm-service/bad may import only @llm-service/core, but import() type '@llm-service/good'",
      "bad/src/index.ts:8: plugin @llm-service/bad may import only @llm-service/core, but import.meta.resolve() '@llm-service/good'",
      'bad/package.json: dependencies: plugin @llm-service/bad must list @llm-service/core in peerDependencies (and devDependencies), not dependencies',
      'bad/package.json: dependencies: plugin @llm-service/bad may depend only on @llm-service/core, but lists @llm-service/good',
      'bad/package.json: optionalDependencies: plugin @llm-service/bad may depend only on @llm-service/core, but lists @llm-service/telemetry',
      'bad/package.json: plugin @llm-service/bad imports @llm-service/core but lacks it in peerDependencies',
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
      "core/src/kernel.ts:1: core @llm-service/core must import no plugin, but import() '@llm-service/good'",
      "core/src/kernel.ts:2: export from '../../good/src/index.js' reaches outside @llm-service/core",
      'core/package.json: devDependencies: core must depend on no plugin, but lists @llm-service/good',
    ]);
  });

  it('discovers a package added later, without a list to update', () => {
    const root = wellBehavedWorkspace();
    writePackage(
      root,
      'dashboard',
      { name: '@llm-service/dashboard', peerDependencies: { [CORE]: '^0.1.0' } },
      {
        'src/server.ts': "import { stats } from '@llm-service/telemetry';\nexport { stats };\n",
        // Importing itself by name (a subpath kept out of its main entry) is no breach.
        'src/index.ts': "export const load = () => import('@llm-service/dashboard/server');\n",
      },
    );
    expect(findBoundaryViolations(root)).toEqual([
      "dashboard/src/server.ts:1: plugin @llm-service/dashboard may import only @llm-service/core, but import '@llm-service/telemetry'",
    ]);
  });
});
