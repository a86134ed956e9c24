/**
 * `tasks validate` through the built binary: every problem of every file at once, each one line `file:line:col:
 * field: what; fix`, exit 2; `tasks list` skips the malformed files (naming each on stderr), reads the rest, and
 * changes no byte of any of them.
 */
import { readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, temporaryDir, writeAt, writeProject, type CliRun } from './support.js';

const valid = (id: string, status = 'new', extra: string[] = []) =>
  [
    `id: ${id}`,
    'agent: writer',
    `status: ${status}`,
    'title: A task',
    'created_at: 2026-12-01T09:00:00Z',
    ...extra,
    '',
  ].join('\n');

/**
 * One malformed file each, with the start of the one line `tasks validate` must print for it (the path relative to
 * the current directory, then line, column and field), and whether `tasks list` skips the file (fatal) or reads it
 * with a warning.
 */
const cases: { key: string; text: string | Buffer; line: string; skipped: boolean }[] = [
  {
    key: 'inbox/bad-yaml.yaml',
    text: 'id: bad-yaml\ntitle: [unclosed\n',
    line: 'inbox/bad-yaml.yaml:3:1: yaml: ',
    skipped: true,
  },
  {
    key: 'inbox/duplicate-key.yaml',
    text: valid('duplicate-key', 'new', ['title: Again']),
    line: 'inbox/duplicate-key.yaml:6:1: yaml: map keys must be unique',
    skipped: true,
  },
  {
    key: 'inbox/a-list.yaml',
    text: '- id: a-list\n- status: new\n',
    line: 'inbox/a-list.yaml:1:1: file: the top level is a list, not a map of task fields',
    skipped: true,
  },
  {
    key: 'inbox/empty.yaml',
    text: '',
    line: 'inbox/empty.yaml:1:1: file: the file is empty, not a map of task fields',
    skipped: true,
  },
  {
    key: 'inbox/not-utf8.yaml',
    text: Buffer.from([0x69, 0x64, 0x3a, 0x20, 0xff, 0xfe, 0x0a]),
    line: 'inbox/not-utf8.yaml:1:1: file: the file is not UTF-8 text; save it as UTF-8',
    skipped: true,
  },
  {
    key: 'inbox/too-big.yaml',
    text: `${valid('too-big')}description: "${'x'.repeat(1024 * 1024)}"\n`,
    line: 'inbox/too-big.yaml:1:1: file: the file is 1,048,',
    skipped: true,
  },
  {
    key: 'inbox/wrong-status.yaml',
    text: valid('wrong-status').replace('status: new', 'status: finnished'),
    line: "inbox/wrong-status.yaml:3:9: status: 'finnished' is not a status; use one of new, assigned, in_progress, blocked, done, error",
    skipped: true,
  },
  {
    key: 'inbox/bad-priority.yaml',
    text: valid('bad-priority', 'new', ['priority: hihg']),
    line: "inbox/bad-priority.yaml:6:11: priority: 'hihg' is not a priority; did you mean 'high'?",
    skipped: true,
  },
  {
    key: 'inbox/bad-time.yaml',
    text: valid('bad-time').replace('2026-12-01T09:00:00Z', 'yesterday'),
    line: "inbox/bad-time.yaml:5:13: created_at: 'yesterday' is not an ISO 8601 UTC time; write it like created_at: 2026-12-01T09:30:00Z",
    skipped: true,
  },
  {
    key: 'inbox/offset-time.yaml',
    text: valid('offset-time').replace('2026-12-01T09:00:00Z', '2026-12-01T10:00:00+01:00'),
    line: "inbox/offset-time.yaml:5:13: created_at: '2026-12-01T10:00:00+01:00' is not ISO 8601 UTC with Z; write created_at: 2026-12-01T09:00:00Z",
    skipped: false,
  },
  {
    key: 'inbox/title-list.yaml',
    text: valid('title-list').replace('title: A task', 'title: [a, task]'),
    line: 'inbox/title-list.yaml:4:8: title: must be one line of text, not a list; write title: Draft the release notes',
    skipped: true,
  },
  {
    key: 'inbox/criteria-map.yaml',
    text: valid('criteria-map', 'new', ['acceptance_criteria: { done: yes }']),
    line: 'inbox/criteria-map.yaml:6:22: acceptance_criteria: must be a list of text, not a map',
    skipped: true,
  },
  {
    key: 'inbox/no-title.yaml',
    text: valid('no-title').replace('title: A task\n', ''),
    line: 'inbox/no-title.yaml:1:1: title: missing; add title: Draft the release notes',
    skipped: true,
  },
  {
    key: 'inbox/wrong-folder.yaml',
    text: valid('wrong-folder', 'done'),
    line: "inbox/wrong-folder.yaml:3:9: status: 'done', but the file is in inbox/ (which holds new); move the file to done/writer/",
    skipped: false,
  },
  {
    key: 'inbox/unknown-agent.yaml',
    text: valid('unknown-agent').replace('agent: writer', 'agent: writter'),
    line: "inbox/unknown-agent.yaml:2:8: agent: 'writter' is not an agent of agents.yaml; did you mean 'writer'?",
    skipped: false,
  },
  {
    key: 'inbox/renamed.yaml',
    text: valid('T-7'),
    line: "inbox/renamed.yaml:1:5: id: 'T-7' is not the file's name 'renamed'; run `llm-service tasks migrate` (or set id: renamed)",
    skipped: false,
  },
  {
    key: 'assigned/writer/twice.yaml',
    text: valid('twice', 'assigned'),
    line: "assigned/writer/twice.yaml:1:1: id: duplicate id 'twice': assigned/architect/twice.yaml has the same id",
    skipped: true,
  },
  {
    key: 'inbox/unknown-dependency.yaml',
    text: valid('unknown-dependency', 'new', ['depends_on: [no-such-task]']),
    line: "inbox/unknown-dependency.yaml:6:14: depends_on[0]: 'no-such-task' is not a task of this work directory",
    skipped: false,
  },
  {
    key: 'inbox/cycle-a.yaml',
    text: valid('cycle-a', 'new', ['depends_on: [cycle-b]']),
    line: 'inbox/cycle-a.yaml:6:14: depends_on[0]: dependency cycle: cycle-a → cycle-b → cycle-a',
    skipped: false,
  },
  {
    key: 'inbox/absolute-context.yaml',
    text: valid('absolute-context', 'new', ['context: { files: [/etc/passwd] }']),
    line: "inbox/absolute-context.yaml:6:20: context.files[0]: '/etc/passwd' is absolute; write it relative to the project",
    skipped: true,
  },
  {
    key: 'inbox/dotdot-context.yaml',
    text: valid('dotdot-context', 'new', ['context: { files: [docs/../../outside.txt] }']),
    line: "inbox/dotdot-context.yaml:6:20: context.files[0]: 'docs/../../outside.txt' leads out of the project",
    skipped: true,
  },
  {
    key: 'inbox/linked-context.yaml',
    text: valid('linked-context', 'new', ['context:', '  files:', '    - docs/escape/secret.txt']),
    line: "inbox/linked-context.yaml:8:7: context.files[0]: 'docs/escape/secret.txt' resolves to ",
    skipped: true,
  },
];

describe('tasks validate and tasks list on malformed files', () => {
  const env = isolatedEnv();
  const { root, configDir } = writeProject();
  const workDir = join(configDir, 'work/collaboration');
  const shown = relative(root, workDir);
  let validate: CliRun;
  let validateJson: CliRun;
  let list: CliRun;
  const before = new Map<string, Buffer>();

  beforeAll(async () => {
    for (const { key, text } of cases) writeAt(workDir, key, text);
    writeAt(
      workDir,
      'assigned/architect/twice.yaml',
      valid('twice', 'assigned').replace('agent: writer', 'agent: architect'),
    );
    writeAt(workDir, 'inbox/cycle-b.yaml', valid('cycle-b', 'new', ['depends_on: [cycle-a]']));
    writeAt(workDir, 'inbox/fine.yaml', valid('fine'));
    writeAt(root, 'docs/readme.md', 'inside');
    const outside = temporaryDir('outside');
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    symlinkSync(outside, join(root, 'docs/escape'));
    symlinkSync('/etc/hostname', join(workDir, 'inbox/link.yaml'));
    for (const key of walk(workDir)) before.set(key, readFileSync(join(workDir, key)));
    validate = await runCli(['tasks', 'validate', '--config-dir', configDir], { cwd: root, env });
    validateJson = await runCli(['tasks', 'validate', '--json', '--config-dir', configDir], {
      cwd: root,
      env,
    });
    list = await runCli(['tasks', 'list', '--json', '--config-dir', configDir], { cwd: root, env });
  });

  function walk(dir: string, prefix = ''): string[] {
    return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
      const key = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) return walk(dir, key);
      return entry.isFile() ? [key] : [];
    });
  }

  it('exits 2 and prints every problem of every file, each on one line with file:line:col and field', () => {
    expect(validate.code).toBe(2);
    expect(validate.stderr).toBe('');
    const lines = validate.stdout.trimEnd().split('\n');
    for (const { line } of cases) {
      const expected = `${shown}/${line}`;
      expect(
        lines.filter((printed) => printed.startsWith(expected)),
        expected,
      ).toHaveLength(1);
    }
    expect(lines).toContain(
      `${shown}/inbox/link.yaml:1:1: file: is a link, not a task file; put the file itself here, not a link to it`,
    );
    for (const printed of lines.slice(0, -1))
      expect(printed).toMatch(/^[^:]+:\d+:\d+: (warning: )?[\w.[\]]+: .+; .+$/);
    expect(lines.at(-1)).toMatch(/^25 task files in .+: \d+ errors, 0 warnings$/);
  });

  it('gives the same problems as JSON', () => {
    expect(validateJson.code).toBe(2);
    const report = JSON.parse(validateJson.stdout) as {
      files: number;
      errors: number;
      problems: {
        path: string;
        line: number;
        column: number;
        field: string;
        severity: string;
        text: string;
      }[];
    };
    expect(report.files).toBe(25);
    expect(report.problems.length).toBe(report.errors);
    expect(report.problems.find((problem) => problem.path === 'inbox/bad-priority.yaml')).toMatchObject({
      line: 6,
      column: 11,
      field: 'priority',
      severity: 'fatal',
    });
  });

  it('tasks list skips the malformed files, reads the others (with warnings), and rewrites nothing', () => {
    expect(list.code).toBe(0);
    const listing = JSON.parse(list.stdout) as {
      tasks: { id: string; warnings: string[] }[];
      problems: { path: string; line: number; message: string }[];
    };
    const skipped = cases.filter((entry) => entry.skipped).map((entry) => entry.key);
    expect([...new Set(listing.problems.map((problem) => problem.path))].sort()).toEqual(
      [...skipped, 'inbox/link.yaml'].sort(),
    );
    const read = cases
      .filter((entry) => !entry.skipped)
      .map((entry) => entry.key.replace(/^.*\/|\.yaml$/g, ''));
    expect(listing.tasks.map((task) => task.id).sort()).toEqual([...read, 'cycle-b', 'fine', 'twice'].sort());
    expect(listing.tasks.find((task) => task.id === 'fine')?.warnings).toEqual([]);
    expect(listing.tasks.find((task) => task.id === 'wrong-folder')?.warnings[0]).toContain(
      "status: 'done', but the file is in inbox/",
    );
    for (const [key, bytes] of before) expect(readFileSync(join(workDir, key)).equals(bytes), key).toBe(true);
    expect(walk(workDir).sort()).toEqual([...before.keys()].sort());
    expect(statSync(join(workDir, 'inbox/too-big.yaml')).size).toBeGreaterThan(1024 * 1024);
  });

  it('names each skipped file on stderr in text mode', async () => {
    const text = await runCli(['tasks', 'list', '--config-dir', configDir], { cwd: root, env });
    expect(text.code).toBe(0);
    for (const entry of cases.filter((each) => each.skipped))
      expect(text.stderr).toContain(`llm-service: warning: skipped ${entry.key}:`);
    expect(text.stdout).toMatch(/^ID +STATUS +PRIORITY +AGENT +TITLE\n/);
  });
});
