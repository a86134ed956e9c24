import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sameLaunch, type ToolLaunch } from '@llm-service/plugin-kit';
import {
  stampOf,
  filesUnchanged,
  launchFiles,
  launchOf,
  parseRecord,
  prestartKey,
  recordedLaunchOf,
  recordPath,
  type PrestartRecord,
} from './prestart-record.js';

const version = '9.9.9';
const cwd = '/projects/app';
const key = (argv: readonly string[], env: Record<string, string | undefined> = {}, dir = cwd) =>
  prestartKey(argv, env, dir, version);
const writer = ['exec', '--config-dir', '/configs/a', '--agent', 'writer'];

describe('prestartKey', () => {
  it('is undefined for every command but exec', () => {
    for (const argv of [[], ['route', '--agent', 'writer'], ['tools'], ['--version'], ['stats']])
      expect(key(argv), argv.join(' ')).toBeUndefined();
  });

  it('is undefined for a run that starts no tool, or an argument it cannot place', () => {
    for (const extra of [
      ['--dry-run'],
      ['--help'],
      ['-h'],
      ['--bogus', 'x'],
      // A positional argument could be a prompt: it is neither kept nor skipped.
      ['loose words'],
      ['--'],
      // A flag with a value is not the flag it names.
      ['--json=true'],
      // A short option glued to its value cannot be told from a prompt.
      ['-pWrite a poem'],
      // An option whose value is missing.
      ['--model'],
      ['--prompt'],
    ])
      expect(key([...writer, ...extra]), extra.join(' ')).toBeUndefined();
  });

  it('never holds the prompt, a prompt file or other values that do not reach the launch', () => {
    const secret = 'the-secret-prompt-0451';
    const plain = key(writer);
    expect(plain).toBeDefined();
    for (const extra of [
      ['-p', secret],
      ['--prompt', secret],
      [`--prompt=${secret}`],
      ['-f', `/tmp/${secret}.md`],
      [`--prompt-file=/tmp/${secret}.md`],
      ['--context', `/tmp/${secret}.md`],
      ['--reason', secret],
      ['--chain-id', secret],
      ['-o', `/tmp/${secret}.txt`],
      ['--max-cost-usd', '0.0451'],
    ]) {
      const withValue = key([...writer, ...extra]);
      expect(withValue, extra.join(' ')).toBe(plain);
      expect(withValue).not.toContain('0451');
    }
  });

  it('reads a flag that changes no launch as no part of the key', () => {
    const plain = key(writer);
    for (const flag of ['--json', '-y', '--yes', '--no-fallback', '-q', '--verbose'])
      expect(key([...writer, flag]), flag).toBe(plain);
  });

  it('gives each spelling of an option the same key', () => {
    const long = key(['exec', '--agent', 'writer', '--task-type', 'docs']);
    expect(long).toBeDefined();
    expect(key(['exec', '-a', 'writer', '-t', 'docs'])).toBe(long);
    expect(key(['exec', '--agent=writer', '--task-type=docs'])).toBe(long);
  });

  it('tells apart runs whose options may choose another tool, model or arguments', () => {
    const keys = [
      key(writer),
      key(['exec', '--config-dir', '/configs/a', '--agent', 'architect']),
      key(['exec', '--config-dir', '/configs/b', '--agent', 'writer']),
      key(['exec', '--agent', 'writer']),
      key([...writer, '--model', 'model-b']),
      key([...writer, '--tool', 'other']),
      key([...writer, '--task-type', 'review']),
      key([...writer, '--timeout', '5']),
    ];
    expect(keys.every((each) => each !== undefined)).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('holds the directory, $LLM_SERVICE_CONFIG_DIR and the version, which route a run as much as its options', () => {
    const plain = key(writer);
    expect(key(writer, { LLM_SERVICE_CONFIG_DIR: '/configs/c' })).not.toBe(plain);
    expect(key(writer, {}, '/projects/other')).not.toBe(plain);
    expect(prestartKey(writer, {}, cwd, '9.9.10')).not.toBe(plain);
    // Any other variable is the launch's business, not the key's.
    expect(key(writer, { OPENAI_API_KEY: 'sk-0451' })).toBe(plain);
  });
});

describe('recordPath', () => {
  const keys = [
    key(writer),
    key(['exec', '--agent', 'writer']),
    key(['exec', '--agent', 'writes']),
    key(writer, {}, '/projects/app2'),
    '',
    'a',
    'b',
  ];

  it('names the same file for the same key, under prestart/ in the cache home', () => {
    const path = recordPath('/home/u/.cache/llm-service', keys[0] ?? '');
    expect(path).toBe(recordPath('/home/u/.cache/llm-service', keys[0] ?? ''));
    expect(path).toMatch(/^\/home\/u\/\.cache\/llm-service\/prestart\/[0-9a-f]{16}\.json$/);
  });

  it('names different files for different keys', () => {
    const paths = keys.map((each) => recordPath('/cache', each ?? ''));
    expect(new Set(paths).size).toBe(keys.length);
  });
});

const validRecord: PrestartRecord = {
  format: 1,
  key: '["9.9.9","/projects/app","",["--agent","writer"]]',
  launch: {
    file: '/usr/bin/setpriv',
    args: ['--pdeathsig', 'KILL', '--', '/opt/tool', 'exec', '-'],
    cwd: '/configs/a',
    stdin: 'pipe',
    set: { TOOL_HOME: '/opt' },
    unset: ['CLAUDECODE'],
  },
  confirmed: true,
  files: { '/configs/a/agents.yaml': '12:1:1:7', '/configs/a/policies.yaml': 'absent' },
};

describe('parseRecord', () => {
  it('reads back a record as written', () => {
    expect(parseRecord(JSON.stringify(validRecord))).toEqual(validRecord);
  });

  it('reads a record marked unreproducible, and no record when the mark is not a boolean', () => {
    const marked = { ...validRecord, confirmed: false, unreproducible: true };
    expect(parseRecord(JSON.stringify(marked))).toEqual(marked);
    expect(parseRecord(JSON.stringify({ ...validRecord, unreproducible: false }))).toEqual({
      ...validRecord,
      unreproducible: false,
    });
    for (const mark of ['yes', 'true', 1, null, {}])
      expect(
        parseRecord(JSON.stringify({ ...validRecord, unreproducible: mark })),
        String(mark),
      ).toBeUndefined();
  });

  it('reads anything else as no record', () => {
    const text = JSON.stringify(validRecord);
    const variants: [string, unknown][] = [
      ['format 2', { ...validRecord, format: 2 }],
      ['a key that is no string', { ...validRecord, key: 1 }],
      ['confirmed as text', { ...validRecord, confirmed: 'true' }],
      ['a stamp that is no string', { ...validRecord, files: { '/a': 1 } }],
      ['files as a list', { ...validRecord, files: ['/a'] }],
      ['no launch', { ...validRecord, launch: null }],
      ['a relative file', { ...validRecord, launch: { ...validRecord.launch, file: 'bin/tool' } }],
      [
        'an argument that is no string',
        { ...validRecord, launch: { ...validRecord.launch, args: ['-', 1] } },
      ],
      ['another stdin', { ...validRecord, launch: { ...validRecord.launch, stdin: 'inherit' } }],
      ['no cwd', { ...validRecord, launch: { ...validRecord.launch, cwd: undefined } }],
      ['a set value that is no string', { ...validRecord, launch: { ...validRecord.launch, set: { A: 1 } } }],
      ['unset as text', { ...validRecord, launch: { ...validRecord.launch, unset: 'CLAUDECODE' } }],
    ];
    for (const [what, value] of variants) expect(parseRecord(JSON.stringify(value)), what).toBeUndefined();
    for (const damaged of [
      '',
      'null',
      '[]',
      '"text"',
      '42',
      text.slice(0, -1),
      text.slice(0, text.length / 2),
    ])
      expect(parseRecord(damaged), damaged).toBeUndefined();
  });
});

describe('recordedLaunchOf and launchOf', () => {
  const caller = {
    PATH: '/usr/bin',
    HOME: '/home/u',
    OPENAI_API_KEY: 'sk-caller-secret',
    CLAUDECODE: '1',
    EMPTY: undefined,
  };
  const launch: ToolLaunch = {
    file: '/usr/bin/setpriv',
    args: ['--pdeathsig', 'KILL', '--', '/opt/tool', 'exec', '-'],
    cwd: '/configs/a',
    stdin: 'pipe',
    // The adapter put its directory first on PATH, added a variable and dropped CLAUDECODE.
    env: {
      PATH: '/opt/tool/bin:/usr/bin',
      HOME: '/home/u',
      OPENAI_API_KEY: 'sk-caller-secret',
      TOOL_MODE: 'quiet',
    },
  };

  it("keeps only what the launch sets and unsets, none of the caller's other variables", () => {
    const recorded = recordedLaunchOf(launch, caller);
    expect(recorded).toEqual({
      file: launch.file,
      args: launch.args,
      cwd: launch.cwd,
      stdin: 'pipe',
      set: { PATH: '/opt/tool/bin:/usr/bin', TOOL_MODE: 'quiet' },
      unset: ['CLAUDECODE'],
    });
    const text = JSON.stringify(recorded);
    expect(text).not.toContain('sk-caller-secret');
    expect(text).not.toContain('OPENAI_API_KEY');
    expect(text).not.toContain('HOME');
  });

  it('gives back the same launch in the same environment', () => {
    const back = launchOf(recordedLaunchOf(launch, caller), caller);
    expect(back).toEqual(launch);
    expect(sameLaunch(back, launch)).toBe(true);
  });

  it("applies the record to the caller's environment of now", () => {
    const back = launchOf(recordedLaunchOf(launch, caller), {
      ...caller,
      OPENAI_API_KEY: 'sk-rotated',
      NEW_VARIABLE: 'n',
    });
    expect(back.env).toEqual({
      PATH: '/opt/tool/bin:/usr/bin',
      HOME: '/home/u',
      OPENAI_API_KEY: 'sk-rotated',
      NEW_VARIABLE: 'n',
      TOOL_MODE: 'quiet',
    });
    expect(sameLaunch(back, launch)).toBe(false);
  });

  it("does not share the launch's argument list with the record", () => {
    const args = ['-'];
    const recorded = recordedLaunchOf({ ...launch, args }, caller);
    args.push('changed');
    expect(recorded.args).toEqual(['-']);
  });
});

describe('stampOf and filesUnchanged', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const temporary = () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-service-stamp-'));
    dirs.push(dir);
    return dir;
  };

  it("changes when a file's content changes", () => {
    const path = join(temporary(), 'agents.yaml');
    writeFileSync(path, 'version: 1\n');
    const before = stampOf(path);
    expect(before).not.toBe('absent');
    expect(stampOf(path)).toBe(before);
    expect(filesUnchanged({ [path]: before })).toBe(true);
    // A size-changing rewrite: a same-size rewrite within one tick of the file system's clock is only detected on
    // file systems with fine-grained timestamps.
    writeFileSync(path, 'version: 1\n# a comment\n');
    expect(stampOf(path)).not.toBe(before);
    expect(filesUnchanged({ [path]: before })).toBe(false);
  });

  it('changes when a file is replaced by another of the same size', () => {
    const dir = temporary();
    const path = join(dir, 'tool');
    writeFileSync(path, 'aaaa');
    const before = stampOf(path);
    // Replaced by rename, as editors and installers do: a new inode.
    writeFileSync(join(dir, 'tool.new'), 'bbbb');
    renameSync(join(dir, 'tool.new'), path);
    expect(stampOf(path)).not.toBe(before);
  });

  it('stamps a missing file as absent, and notices when it appears', () => {
    const path = join(temporary(), 'policies.yaml');
    expect(stampOf(path)).toBe('absent');
    const files = { [path]: 'absent' };
    expect(filesUnchanged(files)).toBe(true);
    writeFileSync(path, 'version: 1\n');
    expect(filesUnchanged(files)).toBe(false);
  });

  it('is unchanged only when every file is', () => {
    const dir = temporary();
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    writeFileSync(a, 'a');
    writeFileSync(b, 'b');
    const files = { [a]: stampOf(a), [b]: stampOf(b) };
    expect(filesUnchanged(files)).toBe(true);
    rmSync(b);
    expect(filesUnchanged(files)).toBe(false);
    expect(filesUnchanged({})).toBe(true);
  });
});

describe('launchFiles', () => {
  it('names the executable and every absolute argument', () => {
    expect(
      launchFiles({
        file: '/usr/bin/setpriv',
        args: ['--pdeathsig', 'KILL', '--', '/opt/tool.mjs', 'exec', '--model', 'm', 'relative/path', '-'],
      }),
    ).toEqual(['/usr/bin/setpriv', '/opt/tool.mjs']);
  });
});
