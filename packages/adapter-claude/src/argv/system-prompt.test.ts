import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxSystemPromptBytes, readAppendSystemPrompt } from './system-prompt.js';

const configDir = mkdtempSync(join(tmpdir(), 'adapter-claude-prompt-'));
mkdirSync(join(configDir, 'prompts'));
writeFileSync(join(configDir, 'prompts/architect.md'), 'You are the architect. ✓\n');
writeFileSync(join(configDir, 'prompts/huge.md'), 'x'.repeat(maxSystemPromptBytes + 1));
writeFileSync(join(configDir, 'prompts/nul.md'), 'a\0b');

describe('the appended system prompt', () => {
  it('is the inline text, or the file read relative to the config directory', async () => {
    expect(await readAppendSystemPrompt({ append_system_prompt: 'Be brief.' }, configDir)).toBe('Be brief.');
    expect(
      await readAppendSystemPrompt({ append_system_prompt_file: 'prompts/architect.md' }, configDir),
    ).toBe('You are the architect. ✓\n');
    expect(await readAppendSystemPrompt({}, configDir)).toBeUndefined();
  });

  it('refuses, as a tool error, a missing file, a directory, and text no argument can carry', async () => {
    await expect(
      readAppendSystemPrompt({ append_system_prompt_file: 'nope.md' }, configDir),
    ).rejects.toMatchObject({
      kind: 'tool-error',
      message: expect.stringContaining("cannot read append_system_prompt_file 'nope.md'") as unknown,
    });
    await expect(
      readAppendSystemPrompt({ append_system_prompt_file: 'prompts' }, configDir),
    ).rejects.toMatchObject({
      message: expect.stringContaining('it is a directory') as unknown,
    });
    await expect(
      readAppendSystemPrompt({ append_system_prompt_file: 'prompts/huge.md' }, configDir),
    ).rejects.toMatchObject({ message: expect.stringContaining('limited to 131071 bytes') as unknown });
    await expect(
      readAppendSystemPrompt({ append_system_prompt_file: 'prompts/nul.md' }, configDir),
    ).rejects.toMatchObject({ message: expect.stringContaining('NUL byte') as unknown });
    await expect(
      readAppendSystemPrompt({ append_system_prompt: 'y'.repeat(maxSystemPromptBytes + 1) }, configDir),
    ).rejects.toMatchObject({ kind: 'tool-error' });
  });
});
