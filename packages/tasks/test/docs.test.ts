/** docs/tasks.md's example task file is a valid task file, and its settings example a valid `tasks:` section. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { locate } from '../src/file/layout.js';
import { parseTaskFile } from '../src/file/parse-task-file.js';
import { knownKeys } from '../src/file/schema.js';
import { tasksSectionSchema } from '../src/settings.js';
import { repoRoot } from './support.js';

const markdown = readFileSync(join(repoRoot, 'docs/tasks.md'), 'utf8');
const yamlBlocks = [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');

describe('docs/tasks.md', () => {
  it('shows a task file that reads without a problem, its own key kept', () => {
    const example = yamlBlocks.find((block) => block.includes('\nid: '))!;
    const id = /\nid: (\S+)/.exec(example)![1]!;
    const parsed = parseTaskFile(locate(`done/architect/${id}.yaml`)!, Buffer.from(example), {
      agents: ['architect', 'backend-dev'],
    });
    expect(parsed.issues).toEqual([]);
    expect(parsed.task?.result?.tokens).toEqual({ input: 5200, output: 900, cacheRead: 0, cacheWrite: 0 });
  });

  it('shows a valid tasks: section', () => {
    const settings = yamlBlocks.find((block) => block.includes('# llm-service.yaml'))!;
    expect(tasksSectionSchema.parse((parse(settings) as { tasks: unknown }).tasks)).toMatchObject({
      max_handoffs: 10,
    });
  });

  it('documents every tasks command and every key of the file', () => {
    for (const command of ['list', 'show', 'new', 'assign', 'retry', 'validate', 'migrate', 'run'])
      expect(markdown).toContain(`\`tasks ${command}`);
    expect(markdown).toContain('## Running tasks');
    // Every key the format knows, in backticks somewhere (a table row, or its parent's row for a map's keys).
    for (const key of Object.values(knownKeys).flat())
      expect(markdown, key).toMatch(new RegExp(`\`[^\`\n]*\\b${key}\\b[^\`\n]*\``));
  });
});
