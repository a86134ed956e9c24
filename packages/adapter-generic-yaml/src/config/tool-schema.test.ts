import { describe, expect, it } from 'vitest';
import { coreToolShape, z } from '@llm-service/spec';
import { genericYamlToolSchema } from './tool-schema.js';

/** What core's loader does with an adapter schema: a strict merge of the field shapes. */
const toolSchema = z.strictObject({ ...coreToolShape, ...genericYamlToolSchema.shape });

/** Field issues first; the cross-field refinement only runs on an entry whose fields are valid, as in core. */
function issuesOf(raw: Record<string, unknown>) {
  const fields = toolSchema.safeParse({ binary: 'tool', models: ['m'], ...raw });
  const parsed = fields.success ? genericYamlToolSchema.safeParse(fields.data) : fields;
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: issue.path, message: issue.message }));
}

describe('the generic-yaml tool schema', () => {
  it('fills defaults: stdin, text from stdout, no args, --version', () => {
    const parsed = toolSchema.parse({ binary: 'tool', models: ['m'] });
    expect(parsed).toMatchObject({
      adapter: 'generic-yaml',
      args: [],
      prompt_via: 'stdin',
      output: { format: 'text', source: 'stdout' },
      version_args: ['--version'],
    });
    expect(parsed.error_patterns).toBeUndefined();
  });

  it('points an unknown placeholder at its arg index, with a did-you-mean', () => {
    expect(
      issuesOf({ args: ['exec', '--model={{modle}}', '{{prompt}}x{{nope}}'], prompt_via: 'arg' }),
    ).toEqual([
      {
        path: ['args', 1],
        message: expect.stringMatching(
          /^unknown placeholder '\{\{modle\}\}'; did you mean '\{\{model\}\}'\? Known placeholders: \{\{model\}\}, /,
        ),
      },
      {
        path: ['args', 2],
        message: expect.stringMatching(/^unknown placeholder '\{\{nope\}\}'; Known placeholders/),
      },
    ]);
  });

  it('does not trim whitespace inside braces, but suggests the intended name', () => {
    expect(issuesOf({ args: ['{{ model }}'] })[0]?.message).toMatch(
      /'\{\{ model \}\}'; did you mean '\{\{model\}\}'/,
    );
  });

  it('accepts every known placeholder in its mode', () => {
    expect(
      issuesOf({
        args: ['{{model}}', '--a={{agent}}', '{{task_type}}', '{{prompt_file}}', '-o', '{{output_file}}'],
        prompt_via: 'file',
        output: { source: 'file' },
      }),
    ).toEqual([]);
  });

  it.each([
    [{ args: ['{{prompt}}'] }, ['args', 0], /'\{\{prompt\}\}' needs prompt_via: arg \(prompt_via is stdin\)/],
    [{ args: ['{{prompt}}', '{{prompt_file}}'], prompt_via: 'arg' }, ['args', 1], /needs prompt_via: file/],
    [
      { args: ['x', '--out={{output_file}}'] },
      ['args', 1],
      /'\{\{output_file\}\}' needs output.source: file/,
    ],
    [{ prompt_via: 'arg' }, ['prompt_via'], /prompt_via: arg needs a '\{\{prompt\}\}' placeholder in args/],
    [{ prompt_via: 'file' }, ['prompt_via'], /prompt_via: file needs a '\{\{prompt_file\}\}' placeholder/],
    [
      { output: { source: 'file' } },
      ['output', 'source'],
      /output.source: file needs a '\{\{output_file\}\}'/,
    ],
  ])(
    'rejects a placeholder without its mode and a mode without its placeholder: %j',
    (raw, path, message) => {
      const issues = issuesOf(raw);
      expect(issues).toHaveLength(1);
      expect(issues[0]?.path).toEqual(path);
      expect(issues[0]?.message).toMatch(message);
    },
  );

  it('requires output.text for json and jsonl, and refuses paths on text output', () => {
    expect(issuesOf({ output: { format: 'json' } })).toEqual([
      { path: ['output', 'text'], message: expect.stringMatching(/output.format: json needs output.text/) },
    ]);
    expect(issuesOf({ output: { format: 'jsonl' } })[0]?.path).toEqual(['output', 'text']);
    expect(issuesOf({ output: { input_tokens: 'usage.input' } })).toEqual([
      {
        path: ['output', 'input_tokens'],
        message: expect.stringMatching(/applies only to output.format json or jsonl/),
      },
    ]);
  });

  it('validates dot paths and regexes where they are written', () => {
    expect(issuesOf({ output: { format: 'json', text: 'a..b' } })[0]?.path).toEqual(['output', 'text']);
    expect(issuesOf({ error_patterns: { auth: ['ok', '(unclosed'] } })).toEqual([
      {
        path: ['error_patterns', 'auth', 1],
        message: expect.stringMatching(/^not a valid regular expression: /),
      },
    ]);
  });

  it('rejects unknown keys, including inside output and error_patterns', () => {
    const paths = issuesOf({
      prompt: 'x',
      output: { fromat: 'json' },
      error_patterns: { ratelimit: [] },
    }).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining([[], ['output'], ['error_patterns']]));
  });
});
