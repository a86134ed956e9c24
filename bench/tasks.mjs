// Benchmark of `llm-service tasks run`: 200 assigned tasks on a stand-in tool that takes 200 ms, run with
// `--concurrency 4`, against the same 200 prompts run by `xargs -P 4 llm-service exec` in the same run, on the same
// machine. Prints both wall times and their ratio (target: tasks run <= 1.1x xargs). Needs a built CLI (`pnpm build`).
//
//   node bench/tasks.mjs                      200 tasks, 200 ms each, concurrency 4, one round
//   BENCH_TASKS=100 BENCH_DELAY_MS=500 BENCH_ROUNDS=2 node bench/tasks.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/cli/dist/bin.js');
const standIn = join(root, 'examples/stand-in-llm/stand-in-llm.mjs');
const count = Number(process.env.BENCH_TASKS ?? 200);
const delayMs = Number(process.env.BENCH_DELAY_MS ?? 200);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);

const home = mkdtempSync(join(tmpdir(), 'llm-service-bench-tasks-'));
process.on('exit', () => rmSync(home, { recursive: true, force: true }));
const env = {
  ...process.env,
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_DATA_HOME: join(home, '.local/share'),
  XDG_STATE_HOME: join(home, '.local/state'),
  NO_COLOR: '1',
};

/** A config whose one agent runs the stand-in; the agent's task template is the title, so both sides send the same prompt. */
function project(name) {
  const dir = join(home, name);
  const configDir = join(dir, 'config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(
    join(configDir, 'tools.yaml'),
    [
      'version: 1',
      'tools:',
      '  stand-in:',
      '    adapter: generic-yaml',
      `    binary: ${JSON.stringify(standIn)}`,
      "    args: ['exec', '--model', '{{model}}', '-']",
      '    prompt_via: stdin',
      '    output: { format: text }',
      '    models: [stand-in-small]',
      '    timeout_s: 60',
      `    env: { STAND_IN_DELAY_MS: "${delayMs}" }`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(configDir, 'agents.yaml'),
    'version: 1\nagents:\n  writer:\n    preferred_tool: stand-in\n    preferred_model: stand-in-small\n',
  );
  writeFileSync(
    join(configDir, 'models.yaml'),
    'version: 1\nmodels:\n  stand-in-small: { input_per_mtok: 1, output_per_mtok: 5 }\n',
  );
  writeFileSync(join(configDir, 'prompt.md'), '{{title}}');
  writeFileSync(
    join(configDir, 'llm-service.yaml'),
    [
      'version: 1',
      `telemetry: { db_path: ${JSON.stringify(join(dir, 'telemetry.db'))} }`,
      'tasks:',
      `  work_dir: ${JSON.stringify(join(dir, 'work'))}`,
      '  templates: { writer: prompt.md }',
      '',
    ].join('\n'),
  );
  return { dir, configDir, workDir: join(dir, 'work') };
}

const prompts = Array.from(
  { length: count },
  (_, index) =>
    `Summarise the design of a rate limiter in three sentences (request ${index + 1} of ${count}).`,
);

function writeTasks(workDir) {
  const folder = join(workDir, 'assigned/writer');
  mkdirSync(folder, { recursive: true });
  prompts.forEach((prompt, index) => {
    const id = `bench-${String(index).padStart(4, '0')}`;
    writeFileSync(
      join(folder, `${id}.yaml`),
      `id: ${id}\nagent: writer\nstatus: assigned\ntitle: ${JSON.stringify(prompt)}\npriority: normal\n` +
        `created_at: 2026-12-01T09:00:00Z\nassigned_at: 2026-12-01T09:00:00Z\n`,
    );
  });
}

function timed(command, args, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    throw new Error(`${command} ${args.slice(0, 4).join(' ')}… exited ${result.status}: ${result.stderr}`);
  return { ms, stdout: result.stdout.toString() };
}

function runXargs(configDir) {
  // One prompt a line, each line one argument of one `llm-service exec`, four at a time.
  return timed(
    'xargs',
    [
      '-d',
      '\n',
      '-P',
      String(concurrency),
      '-I',
      '{}',
      process.execPath,
      bin,
      'exec',
      '--config-dir',
      configDir,
      '--agent',
      'writer',
      '--prompt',
      '{}',
    ],
    { input: `${prompts.join('\n')}\n` },
  ).ms;
}

function runTasks(configDir, workDir) {
  writeTasks(workDir);
  const { ms, stdout } = timed(process.execPath, [
    bin,
    'tasks',
    'run',
    '--config-dir',
    configDir,
    '--concurrency',
    String(concurrency),
    '--json',
  ]);
  const summary = JSON.parse(stdout.trim().split('\n').at(-1));
  if (summary.done !== count)
    throw new Error(`tasks run finished ${summary.done} of ${count} tasks: ${stdout}`);
  const answers = readdirSync(join(workDir, 'runs')).length;
  if (answers !== count) throw new Error(`tasks run wrote ${answers} answer folders, not ${count}`);
  return ms;
}

// Warm-up: the first start of the CLI builds its code cache.
const warm = project('warm-up');
timed(process.execPath, [
  bin,
  'exec',
  '--config-dir',
  warm.configDir,
  '--agent',
  'writer',
  '--prompt',
  'warm up',
]);

const samples = { xargs: [], tasks: [] };
for (let round = 0; round < rounds; round++) {
  // Alternate which goes first, so a slow moment of the machine does not always hit the same one.
  const order = round % 2 === 0 ? ['xargs', 'tasks'] : ['tasks', 'xargs'];
  for (const which of order) {
    const fresh = project(`${which}-${round}`);
    samples[which].push(
      which === 'xargs' ? runXargs(fresh.configDir) : runTasks(fresh.configDir, fresh.workDir),
    );
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const xargs = median(samples.xargs);
const tasks = median(samples.tasks);
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
const ideal = (count * delayMs) / concurrency;
console.log(
  `llm-service tasks run benchmark: ${count} tasks, a stand-in that takes ${delayMs} ms, concurrency ${concurrency}` +
    ` (median of ${rounds} round${rounds === 1 ? '' : 's'})`,
);
console.log(`  xargs -P ${concurrency} llm-service exec          ${fmt(xargs)}`);
console.log(`  llm-service tasks run --concurrency ${concurrency}    ${fmt(tasks)}`);
console.log(`  (the tool's own time alone: ${fmt(ideal)})`);
console.log('');
console.log(`  tasks run / xargs: ${(tasks / xargs).toFixed(2)}x (target <= 1.1x)`);
