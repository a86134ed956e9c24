import { describe, expect, it } from 'vitest';
import { renderArgs } from './render-args.js';

describe('renderArgs', () => {
  it('fills each element once, keeping surrounding text, one argv element per template element', () => {
    expect(
      renderArgs(['exec', '--model={{model}}', '{{agent}}/{{task_type}}', '{{prompt}}'], {
        model: 'gpt-5',
        agent: 'architect',
        task_type: 'review',
        prompt: 'two words',
      }),
    ).toEqual(['exec', '--model=gpt-5', 'architect/review', 'two words']);
  });

  it('never expands placeholders or replacement patterns inside a value', () => {
    const prompt = "{{model}} $& $1 $$ $' {{prompt}}";
    expect(renderArgs(['{{prompt}}', '{{model}}'], { prompt, model: '{{prompt}}' })).toEqual([
      prompt,
      '{{prompt}}',
    ]);
  });

  it('leaves brace text that is not a placeholder pattern alone', () => {
    expect(renderArgs(['{x}', '{{{model}}}', '{"a": {"b": 1}}'], { model: 'm' })).toEqual([
      '{x}',
      '{m}',
      '{"a": {"b": 1}}',
    ]);
  });

  it('throws on a placeholder without a value rather than sending it literally', () => {
    expect(() => renderArgs(['{{prompt_file}}'], {})).toThrow(/no value/);
    expect(() => renderArgs(['{{bogus}}'], {})).toThrow(/unknown placeholder/);
  });
});
