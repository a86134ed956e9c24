import { describe, expect, it } from 'vitest';
import { firstParagraph, MAX_SUMMARY_CHARS, parseAnswer } from './answer.js';

describe('the answer convention', () => {
  it('reads the final fenced yaml block', () => {
    const answer = [
      '# Plan',
      '',
      'I split the feature into three steps.',
      '',
      '```yaml',
      'summary: Planned the export feature in three steps',
      'artefacts: [docs/plan.md, docs/steps.md]',
      'next_agent: architect',
      'next_task_title: Design the export API',
      'next_task_notes: |',
      '  Keep it REST.',
      '  Mind the rate limits.',
      '```',
      '',
    ].join('\n');
    expect(parseAnswer(answer)).toEqual({
      summary: 'Planned the export feature in three steps',
      artefacts: ['docs/plan.md', 'docs/steps.md'],
      nextAgent: 'architect',
      nextTaskTitle: 'Design the export API',
      nextTaskNotes: 'Keep it REST.\nMind the rate limits.',
      hasBlock: true,
      problems: [],
    });
  });

  it('takes the last yaml block when there are several, and ignores other languages', () => {
    const answer = [
      'Example config:',
      '```yaml',
      'summary: not this one',
      '```',
      '```ts',
      'const x = 1;',
      '```',
      'Done.',
      '~~~yml',
      'summary: this one',
      'next_agent: none',
      '~~~',
    ].join('\n');
    const fields = parseAnswer(answer);
    expect(fields.summary).toBe('this one');
    expect(fields.nextAgent).toBeUndefined();
  });

  it('falls back to the first paragraph, skipping headings and code, and clips it', () => {
    expect(parseAnswer('## Result\n\nThe   API is\ndone.\n\nMore text.').summary).toBe('The API is done.');
    expect(firstParagraph('```\ncode\n```\n\nAfter the code.')).toBe('After the code.');
    const long = parseAnswer('word '.repeat(500)).summary!;
    expect(long.length).toBe(MAX_SUMMARY_CHARS);
    expect(long.endsWith('…')).toBe(true);
    expect(parseAnswer('').summary).toBeUndefined();
  });

  it('uses the first paragraph when the block has no summary', () => {
    const fields = parseAnswer('Wrote the docs.\n\n```yaml\nartefacts: docs/a.md\n```\n');
    expect(fields).toMatchObject({ summary: 'Wrote the docs.', artefacts: ['docs/a.md'], hasBlock: true });
  });

  it('says what it could not use, and never throws', () => {
    const broken = parseAnswer('Text.\n\n```yaml\nsummary: [unclosed\n```\n');
    expect(broken.hasBlock).toBe(false);
    expect(broken.summary).toBe('Text.');
    expect(broken.problems[0]).toMatch(/not valid YAML/);

    const list = parseAnswer('```yaml\n- a\n- b\n```');
    expect(list.problems).toEqual([
      'the final yaml block is not a mapping of summary, artefacts, next_agent, …',
    ]);

    const wrong = parseAnswer(
      '```yaml\nsummary: ok\nnext_agent: [a, b]\nartefacts: [1, docs/x.md, docs/x.md]\n```',
    );
    expect(wrong.nextAgent).toBeUndefined();
    expect(wrong.artefacts).toEqual(['docs/x.md']);
    expect(wrong.problems).toEqual([
      'artefacts: number is not a path; ignored',
      'next_agent must be an agent name, not a list; ignored',
    ]);

    // Aliases cannot blow a small block up into gigabytes.
    const bomb = [
      '```yaml',
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
    ];
    bomb.push(
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'summary: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      '```',
    );
    expect(parseAnswer(bomb.join('\n')).problems.join()).toMatch(/cannot be read|must be text/);
  });

  it('does not mistake an unclosed fence or inline backticks for a block', () => {
    expect(parseAnswer('Use ```yaml inline``` here.\n').hasBlock).toBe(false);
    expect(parseAnswer('Start.\n\n```yaml\nsummary: never closed\n').hasBlock).toBe(false);
  });
});
