#!/usr/bin/env node
// A STAND-IN for a real LLM CLI, for demos and tests: it calls no model and costs nothing.
// It accepts the flags of `codex exec` that llm-service's templates use (exec, -m/--model, --json,
// --output-last-message FILE, a prompt argument or `-` for stdin) and prints the same output formats:
// plain text on stdout, or with --json one JSON event a line ending in `turn.completed` with usage.
// Its answer is derived from the prompt, so a reader can see the prompt arrived intact.
//
// Extensions for tests (not in codex): --prompt-file FILE, and these environment variables:
//   STAND_IN_RECORD_DIR     write the received argv (argv.json) and prompt bytes (prompt.bin) there
//   STAND_IN_FAIL           auth | rate-limit | crash: fail as a real CLI would (message on stderr, exit 1)
//   STAND_IN_DELAY_MS       wait before answering
//   STAND_IN_CHUNK_DELAY_MS wait between streamed chunks
//   STAND_IN_CHILD_PID_FILE start a long-sleeping child process and write its pid there
//   STAND_IN_PID_FILE       write its own pid there
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const version = 'stand-in-llm 1.0.0 (a stand-in that behaves like `codex exec`; not a real model)';
const argv = process.argv.slice(2);
const env = process.env;

function usage(message) {
  process.stderr.write(
    `error: ${message}\n\nUsage: stand-in-llm exec [--model MODEL] [--json] [--output-last-message FILE] [PROMPT | -]\n`,
  );
  process.exit(2);
}

if (argv[0] === '--version' || argv[0] === '-V') {
  process.stdout.write(`${version}\n`);
  process.exit(0);
}
if (argv[0] !== 'exec') usage(`unknown command '${argv[0] ?? ''}' (only 'exec' is supported)`);

const options = {
  model: 'stand-in-default',
  json: false,
  outputLastMessage: undefined,
  promptFile: undefined,
  prompt: undefined,
};
for (let index = 1; index < argv.length; index++) {
  const argument = argv[index];
  const value = () => {
    const next = argv[++index];
    if (next === undefined) usage(`${argument} needs a value`);
    return next;
  };
  if (argument === '-m' || argument === '--model') options.model = value();
  else if (argument === '--json') options.json = true;
  else if (argument === '--output-last-message') options.outputLastMessage = value();
  else if (argument === '--prompt-file') options.promptFile = value();
  else if (argument === '--skip-git-repo-check' || argument === '--ephemeral') continue;
  else if (argument === '-s' || argument === '--sandbox') value();
  else if (argument === '--') {
    options.prompt = argv.slice(index + 1).join(' ');
    break;
  } else if (argument.startsWith('-') && argument !== '-') usage(`unexpected argument '${argument}'`);
  else if (options.prompt === undefined) options.prompt = argument;
  else usage(`unexpected extra argument '${argument}'`);
}

async function readPromptBytes() {
  if (options.promptFile !== undefined) return readFileSync(options.promptFile);
  if (options.prompt !== undefined && options.prompt !== '-') return Buffer.from(options.prompt, 'utf8');
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const prompt = await readPromptBytes();

if (env.STAND_IN_RECORD_DIR) {
  mkdirSync(env.STAND_IN_RECORD_DIR, { recursive: true });
  writeFileSync(join(env.STAND_IN_RECORD_DIR, 'argv.json'), JSON.stringify(argv));
  writeFileSync(join(env.STAND_IN_RECORD_DIR, 'prompt.bin'), prompt);
}
if (env.STAND_IN_PID_FILE) writeFileSync(env.STAND_IN_PID_FILE, String(process.pid));
if (env.STAND_IN_CHILD_PID_FILE) {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
  writeFileSync(env.STAND_IN_CHILD_PID_FILE, String(child.pid));
}
if (env.STAND_IN_DELAY_MS) await sleep(Number(env.STAND_IN_DELAY_MS));

switch (env.STAND_IN_FAIL) {
  case 'auth':
    process.stderr.write('ERROR: unexpected status 401 Unauthorized: invalid API key\n');
    process.exit(1);
    break;
  case 'rate-limit':
    process.stderr.write('ERROR: exceeded retry limit, last status: 429 Too Many Requests\n');
    process.exit(1);
    break;
  case 'crash':
    process.stderr.write('thread main panicked: stand-in crash requested\n');
    process.exit(101);
    break;
  default:
    break;
}

const text = prompt.toString('utf8');
const firstLine = text.split('\n').find((line) => line.trim() !== '') ?? '';
const digest = createHash('sha256').update(prompt).digest('hex').slice(0, 12);
const answer =
  `Stand-in answer from ${options.model}.\n` +
  `I received ${prompt.length} bytes of prompt (sha256 ${digest}); its first line reads:\n` +
  `> ${firstLine.slice(0, 200)}\n` +
  `A real tool would answer here; this one only proves the prompt arrived intact.\n`;
const inputTokens = Math.ceil(prompt.length / 4);
const outputTokens = Math.ceil(Buffer.byteLength(answer) / 4);

if (options.json) {
  const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
  emit({ type: 'thread.started', thread_id: `stand-in-${digest}` });
  emit({ type: 'turn.started' });
  emit({ type: 'item.completed', item: { id: 'item_0', type: 'agent_message', text: answer } });
  emit({
    type: 'turn.completed',
    usage: { input_tokens: inputTokens, cached_input_tokens: 0, output_tokens: outputTokens },
  });
} else {
  const chunkDelay = Number(env.STAND_IN_CHUNK_DELAY_MS ?? 0);
  for (const line of answer.split(/(?<=\n)/)) {
    process.stdout.write(line);
    if (chunkDelay > 0) await sleep(chunkDelay);
  }
}
if (options.outputLastMessage) writeFileSync(options.outputLastMessage, answer);
