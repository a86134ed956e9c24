import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isAdapterError } from '@llm-service/spec';
import { collect, invocationRequest, temporaryDirectory, toolConfig } from './helpers.js';

/** Prompts that would do damage or change meaning if anything on the way interpreted them. */
const corpus: readonly [string, string][] = [
  ['command substitution', '$(rm -rf /)'],
  ['backticks', '`touch /tmp/pwned` and `id`'],
  ['semicolons and pipes', 'a; echo pwned | cat && false || true'],
  ['quotes and backslashes', `it's "quoted" \\ and \\"escaped\\"`],
  ['newlines', 'line one\nline two\r\nline three\n'],
  ['leading dash', '-rf'],
  ['leading double dash', '--help'],
  ['placeholders inside the prompt', '{{model}} {{prompt}} {{prompt_file}} {{unknown}}'],
  ['replacement patterns', "$& $1 $$ $' $`"],
  ['non-ASCII', 'héllo wörld — 日本語 🎉 \u202e'],
  ['globs and variables', '* ? [a-z] $HOME ${PATH} %PATH% ~'],
  ['empty', ''],
];

function recordingTool(record: string, raw: Record<string, unknown>) {
  return toolConfig({
    ...raw,
    env: { FAKE_RECORD_DIR: record, ...((raw.env as Record<string, string>) ?? {}) },
  });
}

describe('prompt delivery reaches the tool byte-exact', () => {
  describe.each(corpus)('%s', (_name, prompt) => {
    const bytes = new TextEncoder().encode(prompt);

    it('as an argument, literally, exactly one argv element per template element', async () => {
      const record = temporaryDirectory();
      const tool = recordingTool(record, {
        prompt_via: 'arg',
        args: [
          '--model',
          '{{model}}',
          '--prompt={{prompt}}',
          '{{prompt}}',
          '--agent',
          '{{agent}}',
          '{{task_type}}',
        ],
      });
      const outcome = await collect(invocationRequest(tool, bytes, { taskType: 'review' }));
      expect(outcome.error).toBeUndefined();
      const argv = JSON.parse(readFileSync(join(record, 'argv.json'), 'utf8')) as string[];
      expect(argv).toEqual([
        '--model',
        'fake-model',
        `--prompt=${prompt}`,
        prompt,
        '--agent',
        'tester',
        'review',
      ]);
      // Nothing arrives on stdin when the prompt goes by argument.
      expect(readFileSync(join(record, 'stdin.bin'))).toHaveLength(0);
    });

    it('on stdin', async () => {
      const record = temporaryDirectory();
      const tool = recordingTool(record, { args: ['--model', '{{model}}'] });
      const outcome = await collect(invocationRequest(tool, bytes));
      expect(outcome.error).toBeUndefined();
      expect(Buffer.compare(readFileSync(join(record, 'stdin.bin')), Buffer.from(bytes))).toBe(0);
      expect(JSON.parse(readFileSync(join(record, 'argv.json'), 'utf8'))).toEqual(['--model', 'fake-model']);
    });

    it('in a private file that is removed afterwards', async () => {
      const record = temporaryDirectory();
      const tool = recordingTool(record, {
        prompt_via: 'file',
        args: ['--prompt-file', '{{prompt_file}}'],
        env: { FAKE_READ_FILE_ARG: '1' },
      });
      const outcome = await collect(invocationRequest(tool, bytes));
      expect(outcome.error).toBeUndefined();
      expect(Buffer.compare(readFileSync(join(record, 'file.bin')), Buffer.from(bytes))).toBe(0);
      const file = JSON.parse(readFileSync(join(record, 'file.json'), 'utf8')) as {
        path: string;
        mode: number;
        directoryMode: number;
      };
      expect(file.mode).toBe(0o600);
      expect(file.directoryMode).toBe(0o700);
      expect(existsSync(file.path)).toBe(false);
      expect(existsSync(join(file.path, '..'))).toBe(false);
      expect(readFileSync(join(record, 'stdin.bin'))).toHaveLength(0);
    });
  });
});

describe('large and binary prompts', () => {
  // 1 MB of random bytes: NULs, invalid UTF-8 and split sequences all included.
  const large = new Uint8Array(randomBytes(1024 * 1024));
  const invalidUtf8 = new Uint8Array([
    0x66, 0xff, 0xfe, 0xc3, 0x28, 0x00, 0xe2, 0x82, 0xed, 0xa0, 0x80, 0x0a,
  ]);

  it.each([
    ['1 MB of random bytes', large],
    ['invalid UTF-8 and NUL', invalidUtf8],
  ])('%s pass through stdin unchanged', async (_name, prompt) => {
    const record = temporaryDirectory();
    const tool = recordingTool(record, {});
    const outcome = await collect(invocationRequest(tool, prompt));
    expect(outcome.error).toBeUndefined();
    expect(Buffer.compare(readFileSync(join(record, 'stdin.bin')), Buffer.from(prompt))).toBe(0);
  });

  it.each([
    ['1 MB of random bytes', large],
    ['invalid UTF-8 and NUL', invalidUtf8],
  ])('%s pass through a file unchanged', async (_name, prompt) => {
    const record = temporaryDirectory();
    const tool = recordingTool(record, {
      prompt_via: 'file',
      args: ['{{prompt_file}}'],
      env: { FAKE_READ_FILE_ARG: '0' },
    });
    const outcome = await collect(invocationRequest(tool, prompt));
    expect(outcome.error).toBeUndefined();
    expect(Buffer.compare(readFileSync(join(record, 'file.bin')), Buffer.from(prompt))).toBe(0);
  });

  it('accepts a 100 KiB prompt as an argument', async () => {
    const record = temporaryDirectory();
    const prompt = 'x'.repeat(100 * 1024);
    const tool = recordingTool(record, { prompt_via: 'arg', args: ['{{prompt}}'] });
    const outcome = await collect(invocationRequest(tool, prompt));
    expect(outcome.error).toBeUndefined();
    expect(JSON.parse(readFileSync(join(record, 'argv.json'), 'utf8'))).toEqual([prompt]);
  });

  it.each([
    ['over 100 KiB', new TextEncoder().encode('x'.repeat(100 * 1024 + 1)), /over the 100 KiB limit/],
    ['with a NUL byte', new Uint8Array([0x61, 0x00, 0x62]), /NUL byte/],
    ['with invalid UTF-8', invalidUtf8.filter((byte) => byte !== 0), /not valid UTF-8/],
  ])('refuses a prompt %s as an argument, before starting the tool', async (_name, prompt, reason) => {
    const record = temporaryDirectory();
    const tool = recordingTool(record, { prompt_via: 'arg', args: ['{{prompt}}'] });
    const outcome = await collect(invocationRequest(tool, prompt));
    expect(isAdapterError(outcome.error)).toBe(true);
    const error = outcome.error as { kind: string; fallback: boolean; message: string };
    expect(error.kind).toBe('tool-error');
    expect(error.fallback).toBe(false);
    expect(error.message).toMatch(reason);
    expect(error.message).toContain('prompt_via: stdin');
    expect(existsSync(join(record, 'argv.json'))).toBe(false);
  });
});

describe('placeholder values', () => {
  it('passes an empty argument for a missing task type and keeps argv positions', async () => {
    const record = temporaryDirectory();
    const tool = recordingTool(record, { args: ['--task', '{{task_type}}', '--agent={{agent}}', 'end'] });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.error).toBeUndefined();
    expect(JSON.parse(readFileSync(join(record, 'argv.json'), 'utf8'))).toEqual([
      '--task',
      '',
      '--agent=tester',
      'end',
    ]);
  });

  it('writes the prompt file inside a directory that is gone after a failed run', async () => {
    const record = temporaryDirectory();
    const tool = recordingTool(record, {
      prompt_via: 'file',
      args: ['{{prompt_file}}'],
      env: { FAKE_READ_FILE_ARG: '0', FAKE_EXIT: '1', FAKE_STDERR: 'failed' },
    });
    const outcome = await collect(invocationRequest(tool, 'secret prompt'));
    expect((outcome.error as { kind: string }).kind).toBe('tool-error');
    const file = JSON.parse(readFileSync(join(record, 'file.json'), 'utf8')) as { path: string };
    expect(existsSync(file.path)).toBe(false);
    expect(statSync(record).isDirectory()).toBe(true);
  });
});
