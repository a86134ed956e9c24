#!/usr/bin/env node
// The example's stand-in for an LLM CLI: it calls no model and costs nothing. tools.yaml runs it without a shell as
//
//   stand-in-agent.mjs --agent <agent> --model <model>
//
// with the task's prompt on stdin, and reads one JSON document from its stdout: the answer, and the tokens a model
// would have used (4 bytes a token), which models.yaml prices. Each agent answers the same way every time.
//
// The answer ends with the fenced yaml block that `llm-service tasks run` reads (docs/tasks.md, "The hand-off
// convention"): its next_agent makes the runner create the next agent's task. Each agent also writes a short note
// under notes/ and names it in artefacts (relative to the project: the directory holding this one); the next task
// gets that note as context.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const work = {
  planner: {
    note: 'plan.md',
    answer:
      'Limit each API key to 100 requests a minute, shared by the three instances; answer 429 with Retry-After.',
    next: {
      agent: 'architect',
      title: 'Design the rate limiter',
      notes: 'The plan is in the note given as context; the limit must hold across the three instances.',
    },
  },
  architect: {
    note: 'design.md',
    answer:
      'A token bucket per API key in Redis, refilled by one Lua script, checked by a middleware before routing.',
    next: {
      agent: 'backend-dev',
      title: 'Build the rate-limit middleware',
      notes: 'Follow the design note; test the 429 and its Retry-After header.',
    },
  },
  'backend-dev': {
    note: 'implementation.md',
    answer: 'Built the middleware and its tests: the 101st request of a minute gets 429 with Retry-After.',
    next: undefined, // the pipeline ends here
  },
};

const option = (name) => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
const agent = option('--agent') ?? '';
const model = option('--model') ?? 'unknown';
if (!Object.hasOwn(work, agent)) {
  process.stderr.write(
    `stand-in-agent: no answer for agent '${agent}'; known: ${Object.keys(work).join(', ')}\n`,
  );
  process.exit(1);
}
const { note, answer, next } = work[agent];

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const prompt = Buffer.concat(chunks).toString('utf8');
// The runner's prompt has a line `# Task <id>: <title>`, after a `<context file="…">` block for each context file.
const title = /^# Task \S+: (.*)$/m.exec(prompt)?.[1] ?? '(untitled)';
const given = [...prompt.matchAll(/^<context file="([^"]+)">$/gm)].map((match) => match[1]);

// The note goes to notes/ beside this script; artefacts are named relative to the project.
const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, 'notes'), { recursive: true });
writeFileSync(join(here, 'notes', note), `# ${title}\n\n${answer}\n`);
const artefact = `${basename(here)}/notes/${note}`;

// JSON is YAML, so each value is written with JSON.stringify: quotes and colons cannot break the block.
const handOff = [
  `summary: ${JSON.stringify(answer)}`,
  `artefacts: ${JSON.stringify([artefact])}`,
  ...(next
    ? [
        `next_agent: ${next.agent}`,
        `next_task_title: ${JSON.stringify(next.title)}`,
        `next_task_notes: ${JSON.stringify(next.notes)}`,
      ]
    : ['next_agent: none']),
];
const text = [
  `## ${agent}: ${title}`,
  '',
  answer,
  '',
  `(The ${agent}, on ${model}, was given ${given.length === 0 ? 'no files' : given.join(', ')} as context.)`,
  '',
  '```yaml',
  ...handOff,
  '```',
  '',
].join('\n');

const tokens = (bytes) => Math.ceil(bytes / 4);
process.stdout.write(
  `${JSON.stringify({
    answer: text,
    usage: {
      input_tokens: tokens(Buffer.byteLength(prompt)),
      output_tokens: tokens(Buffer.byteLength(text)),
    },
  })}\n`,
);
