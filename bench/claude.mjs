// Benchmark of `llm-service exec` routed to the real Claude Code CLI: the time exec adds over the same `claude -p` run
// started bare, as a ratio to that bare run and as a multiple of a bare Node start, all measured in the same run,
// interleaved, on the same machine. claude runs fully offline against the testkit's Anthropic test server (started
// once, in this process), which answers every request at once with the same short text. Needs a built workspace
// (`pnpm build`) and the pinned Claude Code under .tools/ (`pnpm test:tools`); without it, says so and exits 0.
//
//   node bench/claude.mjs                 30 interleaved runs of each case
//   BENCH_RUNS=5 node bench/claude.mjs
//   BENCH_PRESTART_OFF=1 node bench/claude.mjs    also exec with LLM_SERVICE_NO_PRESTART=1
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { buildArgs, defaultClaudeRetries } from '../packages/adapter-claude/dist/index.js';
import {
  AnthropicTestServer,
  claudeEnvironment,
  claudeSkipReason,
  findClaudeBinary,
  reply,
} from '../packages/testkit/dist/index.js';

const claude = findClaudeBinary();
if (claude === undefined) {
  const why = process.env.LLM_SERVICE_CLAUDE_BIN
    ? `${claudeSkipReason()} (unset it to use the one \`pnpm test:tools\` installs in .tools/)`
    : 'the pinned Claude Code CLI is not installed in .tools/ (install it with `pnpm test:tools`)';
  console.log(`llm-service exec -> claude benchmark skipped: ${why}`);
  process.exit(0);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/cli/dist/bin.js');
const runs = Number(process.env.BENCH_RUNS ?? 30);
const model = 'claude-sonnet-4-5';
const prompt = 'Summarise the design of a rate limiter in three sentences.\n';
const answer =
  'A token bucket per client, refilled at a steady rate; each request takes a token or is refused.';

const work = mkdtempSync(join(tmpdir(), 'llm-service-bench-claude-'));
// Every request gets the same answer at once (no chunk delay, fixed usage): nothing of the model's time is measured.
const server = await AnthropicTestServer.start({ fallback: reply.text(answer) });
// The environment of llm-service (and so of claude): the testkit's, with HOME, CLAUDE_CONFIG_DIR, the XDG directories
// and TMPDIR (claude keeps per-project state in $TMPDIR/claude-<uid>) in `work`, PATH and nothing else inherited, the
// test server's URL, a dummy key, and no traffic but model requests.
const { env } = claudeEnvironment({ baseUrl: server.url, home: work });

// One agent whose only tool is this claude; claude works in an empty directory (`cwd: work`), as in the CLI's e2e tests.
const configDir = join(work, 'config');
const claudeCwd = join(configDir, 'work');
mkdirSync(claudeCwd, { recursive: true });
function writeTools(binary) {
  writeFileSync(
    join(configDir, 'tools.yaml'),
    [
      'version: 1',
      'tools:',
      '  claude:',
      '    adapter: claude',
      `    binary: ${JSON.stringify(binary)}`,
      `    models: [${model}]`,
      '    cwd: work',
      '    timeout_s: 60',
      '',
    ].join('\n'),
  );
}
writeTools(claude);
writeFileSync(
  join(configDir, 'agents.yaml'),
  `version: 1\nagents:\n  architect:\n    preferred_tool: claude\n    preferred_model: ${model}\n`,
);
writeFileSync(
  join(configDir, 'models.yaml'),
  `version: 1\nmodels:\n  ${model}: { input_per_mtok: 3, output_per_mtok: 15, cache_read_per_mtok: 0.3, cache_write_per_mtok: 3.75 }\n`,
);
const promptFile = join(work, 'prompt.md');
writeFileSync(promptFile, prompt);

// What the claude adapter runs for this agent (no adapter_options, no cost cap), built by the adapter's own buildArgs:
// `-p --output-format stream-json --verbose --include-partial-messages --model claude-sonnet-4-5`, the prompt on stdin
// (the adapter never puts it on the command line), in the tool's cwd, with llm-service's environment plus
// CLAUDE_CODE_MAX_RETRIES from the tool's retry.max. checkSameRun() below compares all of that with what exec really
// starts. (exec starts it through `setpriv --pdeathsig KILL --`, which execs claude in place: that cost is exec's.)
const claudeArgs = buildArgs({
  model,
  options: {},
  appendSystemPrompt: undefined,
  configDir,
  maxBudgetUsd: undefined,
});
const claudeEnv = { ...env, CLAUDE_CODE_MAX_RETRIES: String(defaultClaudeRetries) };

/**
 * Why a finished run does not count, or undefined. A claude run (every case with a `check`) must send exactly one
 * model request, answered in full (no retries, nothing cut off), and print the fixed answer.
 */
function problem({ code, stderr, output, check, requests }) {
  if (code !== 0) return `exited ${code}: ${stderr}`;
  if (check === undefined) return undefined;
  if (requests.length !== 1 || !requests[0].finished)
    return `sent ${requests.length} model requests, not one answered in full`;
  return check(output);
}

/** Runs one process to its end and resolves with its wall time in ms; rejects when `problem` finds one. */
function run({ command, args, cwd = work, env: runEnv = env, input, check }) {
  return new Promise((resolve, reject) => {
    const before = server.messageRequests.length;
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, env: runEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout = [];
    let stderr = '';
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const output = Buffer.concat(stdout).toString('utf8');
      const requests = server.messageRequests.slice(before);
      const failure = problem({ code, stderr, output, check, requests });
      if (failure) reject(new Error(`${command} ${args.join(' ')}: ${failure}`));
      else resolve(ms);
    });
  });
}

/** The answer text of a bare run, from claude's final stream-json `result` event. */
function streamResult(output) {
  const last = JSON.parse(output.trim().split('\n').at(-1));
  return last.type === 'result' && last.result === answer
    ? undefined
    : `unexpected result: ${output.slice(-300)}`;
}

const cases = {
  bareNode: { command: process.execPath, args: ['-e', '0'] },
  bareClaude: {
    command: claude,
    args: claudeArgs,
    cwd: claudeCwd,
    env: claudeEnv,
    input: prompt,
    check: streamResult,
  },
  llmServiceExec: {
    command: process.execPath,
    args: [bin, 'exec', '--config-dir', configDir, '--agent', 'architect', '--prompt-file', promptFile],
    check: (output) => (output === answer ? undefined : `unexpected answer: ${output.slice(0, 300)}`),
  },
};
// BENCH_PRESTART_OFF=1 adds exec with the tool started only once exec has loaded, for comparison. It records no
// prediction, so the case above keeps its own.
if (process.env.BENCH_PRESTART_OFF)
  cases.llmServiceExecPrestartOff = {
    ...cases.llmServiceExec,
    env: { ...env, LLM_SERVICE_NO_PRESTART: '1' },
  };

/**
 * Runs exec once with the tool's binary replaced by a recorder that notes its argv, environment, working directory
 * and stdin, then runs the real claude: the bare case must be exactly that run, or the benchmark stops.
 */
async function checkSameRun() {
  const recorder = join(work, 'claude-recorder.mjs');
  const record = join(work, 'claude-recorder.jsonl');
  writeFileSync(
    recorder,
    [
      `#!${process.execPath}`,
      "import { spawnSync } from 'node:child_process';",
      "import { appendFileSync, readFileSync } from 'node:fs';",
      'const input = readFileSync(0);',
      'const args = process.argv.slice(2);',
      "const seen = { args, env: process.env, cwd: process.cwd(), input: input.toString('utf8') };",
      `appendFileSync(${JSON.stringify(record)}, JSON.stringify(seen) + '\\n');`,
      `const run = spawnSync(${JSON.stringify(claude)}, args, { input, stdio: ['pipe', 'inherit', 'inherit'] });`,
      'process.exit(run.status ?? 1);',
      '',
    ].join('\n'),
  );
  chmodSync(recorder, 0o755);
  writeTools(recorder);
  try {
    await run(cases.llmServiceExec);
  } finally {
    writeTools(claude);
  }
  // Any other start of the binary (a version probe, say) is exec's own work; the one with -p is the run.
  const started = readFileSync(record, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((each) => each.args.includes('-p'));
  if (started.length !== 1) throw new Error(`exec started claude -p ${started.length} times, not once`);
  const [seen] = started;
  const bare = cases.bareClaude;
  const expected = { args: bare.args, env: bare.env, cwd: bare.cwd, input: bare.input };
  for (const key of Object.keys(expected)) {
    if (!isDeepStrictEqual(seen[key], expected[key]))
      throw new Error(
        `the bare claude run differs from what exec starts in ${key}:\n` +
          `  exec: ${JSON.stringify(seen[key])}\n  bare: ${JSON.stringify(expected[key])}`,
      );
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Interleaves the cases run by run, so a slow moment of the machine hits all of them alike; every other round runs
 * them in reverse order, so neither claude case always follows the other.
 */
async function measure() {
  const names = Object.keys(cases);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (let index = 0; index < 3; index++) for (const name of names) await run(cases[name]);
  for (let index = 0; index < runs; index++) {
    for (const name of index % 2 === 0 ? names : [...names].reverse())
      samples[name].push(await run(cases[name]));
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

let results;
let version;
try {
  // "2.1.328 (Claude Code)"
  version = spawnSync(claude, ['--version'], { env: claudeEnv, encoding: 'utf8' }).stdout.split(' ')[0];
  await checkSameRun();
  results = await measure();
} finally {
  await server.close();
  rmSync(work, { recursive: true, force: true });
}

const added = results.llmServiceExec - results.bareClaude;
const fmt = (ms) => `${ms.toFixed(1)} ms`;
console.log(
  `llm-service exec -> real claude benchmark (Claude Code ${version}, offline against the testkit's Anthropic test` +
    ` server; median of ${runs} interleaved runs each)`,
);
console.log(`  bare node -e 0 (baseline)            ${fmt(results.bareNode)}`);
console.log(`  claude -p, bare (the adapter's argv) ${fmt(results.bareClaude)}`);
console.log(`  llm-service exec -> same claude      ${fmt(results.llmServiceExec)}`);
if (results.llmServiceExecPrestartOff !== undefined) {
  const addedOff = results.llmServiceExecPrestartOff - results.bareClaude;
  console.log(
    `  same, LLM_SERVICE_NO_PRESTART=1      ${fmt(results.llmServiceExecPrestartOff)}` +
      ` (adds ${fmt(addedOff)} = ${(addedOff / results.bareNode).toFixed(2)}x a bare Node start)`,
  );
}
console.log(`  (argv: claude ${claudeArgs.join(' ')}, prompt on stdin; checked against what exec starts)`);
console.log('');
console.log(
  `  exec added time: ${fmt(added)} = ${(added / results.bareClaude).toFixed(2)}x of a bare claude -p run` +
    ` = ${(added / results.bareNode).toFixed(2)}x a bare Node start`,
);
