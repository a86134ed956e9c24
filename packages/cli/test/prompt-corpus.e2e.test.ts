import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedHome, runCli, temporaryDir, writeConfig } from './support/cli.js';

/** Prompts that break anything that goes near a shell or re-splits arguments. */
const corpus: Record<string, string> = {
  'command substitution': 'Explain $(rm -rf /) and `whoami` please',
  'separators and pipes': 'a; b && c || d | e > /tmp/x < /etc/passwd &',
  quotes: `He said "don't" and 'do' \\"escaped\\"`,
  newlines: 'line one\nline two\r\n\tindented\n',
  'leading dash': '--help -rf',
  'a placeholder inside the prompt': 'use {{model}} and {{prompt}} literally',
  globs: '* ? [a-z] ~ ~/.ssh $HOME ${PATH}',
  'non-ASCII': 'Grüße, 日本語, emoji 🚀, RTL שלום, combining é',
};

function configFor(promptVia: 'stdin' | 'arg' | 'file'): string {
  // `--` ends the tool's options, so a prompt that starts with a dash is not read as a flag.
  const args = promptVia === 'arg' ? { args: ['exec', '--model', '{{model}}', '--', '{{prompt}}'] } : {};
  return writeConfig(temporaryDir(`corpus-${promptVia}`), {
    tools: { recorder: { promptVia, ...args } },
    agents: '  tester:\n    preferred_tool: recorder\n',
  });
}

async function roundTrip(
  dir: string,
  prompt: Uint8Array,
): Promise<{ received: Buffer; code: number | null; stderr: string }> {
  const record = temporaryDir('record');
  const promptFile = join(temporaryDir('prompt'), 'prompt.bin');
  writeFileSync(promptFile, prompt);
  const { env } = isolatedHome();
  const run = await runCli(['exec', '--config-dir', dir, '--agent', 'tester', '--prompt-file', promptFile], {
    env: { ...env, STAND_IN_RECORD_DIR: record },
  });
  return {
    received: run.code === 0 ? readFileSync(join(record, 'prompt.bin')) : Buffer.alloc(0),
    code: run.code,
    stderr: run.stderr,
  };
}

describe('prompts reach the tool byte for byte, through every prompt_via', () => {
  for (const promptVia of ['stdin', 'arg', 'file'] as const) {
    describe(`prompt_via: ${promptVia}`, () => {
      const dir = configFor(promptVia);
      for (const [name, prompt] of Object.entries(corpus)) {
        it(name, async () => {
          const bytes = Buffer.from(prompt, 'utf8');
          const result = await roundTrip(dir, bytes);
          expect(result.stderr).toBe('');
          expect(result.code).toBe(0);
          expect(result.received.equals(bytes)).toBe(true);
        });
      }
    });
  }

  for (const promptVia of ['stdin', 'file'] as const) {
    it(`a 1 MB prompt arrives intact through ${promptVia}`, async () => {
      const bytes = Buffer.from(randomBytes(512 * 1024).toString('hex'));
      expect(bytes.length).toBe(1024 * 1024);
      const result = await roundTrip(configFor(promptVia), bytes);
      expect(result.code).toBe(0);
      expect(result.received.equals(bytes)).toBe(true);
    });

    it(`invalid UTF-8 arrives unchanged through ${promptVia}`, async () => {
      const bytes = Buffer.from([0x68, 0x69, 0xff, 0xfe, 0xc3, 0x28, 0x00, 0x80, 0x0a]);
      const result = await roundTrip(configFor(promptVia), bytes);
      expect(result.code).toBe(0);
      expect(result.received.equals(bytes)).toBe(true);
    });
  }

  it('prompt_via: arg refuses a prompt over 100 KiB and suggests stdin', async () => {
    const result = await roundTrip(configFor('arg'), Buffer.alloc(101 * 1024, 0x61));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('stdin');
  });
});
