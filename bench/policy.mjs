// Policy benchmarks (issue 5). Every figure is measured in the same run, on the same machine:
//   (a) the time `exec` spends in policies for a 10,000-token prompt (tokenizing and the spend ledger included), as
//       a share of exec's whole added time over the bare tool (target: at most a quarter). The policy time is read
//       from exec's own events (JSONL log: route.planned to invocation.started, which is where policies run); the
//       added time is the median wall time of exec minus that of the stand-in tool run directly with the same prompt.
//       Exec without any policies.yaml is measured too, as a cross-check.
//   (b) the percentage the shipped cost-optimised policies save on the example workload against always running each
//       agent's preferred model (`simulate`, examples/workloads).
// Usage: node bench/policy.mjs   (after `pnpm build`; BENCH_RUNS sets the runs, default 15)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isolatedEnv } from './support/isolated-env.mjs';
import { standInConfig } from './support/stand-in-config.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/cli/dist/bin.js');
const standIn = join(root, 'examples/stand-in-llm/stand-in-llm.mjs');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const policy = await import(pathToFileURL(join(root, 'packages/policy/dist/index.js')).href);

const work = mkdtempSync(join(tmpdir(), 'llm-service-bench-policy-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const env = isolatedEnv(work);

// ---- A 10,000-token prompt (o200k_base, as the policies count it) of ordinary prose and code. ----
const paragraph =
  'Review the rate limiter design below. The service accepts bursts of requests from many tenants; each tenant ' +
  'has a token bucket refilled every second, and a global bucket protects the database. Explain the failure modes ' +
  'when the clock jumps, and suggest tests.\n\nfunction allow(bucket, now) {\n  const elapsed = now - bucket.last;\n' +
  '  bucket.tokens = Math.min(bucket.capacity, bucket.tokens + elapsed * bucket.rate);\n  bucket.last = now;\n' +
  '  if (bucket.tokens < 1) return false;\n  bucket.tokens -= 1;\n  return true;\n}\n\n';
const count = await policy.o200kCounter();
let prompt = '';
while (count(prompt) < 10_000) prompt += paragraph;
const words = prompt.split(' ');
while (count(words.join(' ')) > 10_000) words.pop();
prompt = words.join(' ');
const promptTokens = count(prompt);
const promptFile = join(work, 'prompt.md');
writeFileSync(promptFile, prompt);

// ---- Two configs that differ only in policies.yaml. ----
const config = (name, policiesYaml) => standInConfig(join(work, name), { jsonl: true, policiesYaml }).dir;
const withPolicies = config(
  'with-policies',
  [
    'version: 1',
    'budgets:',
    '  - { scope: global, period: daily, limit_usd: 1000000, alert_at_percent: 90, mode: hard }',
    "  - { scope: 'agent:writer', period: monthly, limit_usd: 1000000, mode: soft }",
    '  - { scope: chain, period: daily, limit_usd: 1000000 }',
    'cost_optimization:',
    '  enabled: true',
    '  simple_task_threshold_tokens: 1500',
    '  simple_task_models: [small]',
    '',
  ].join('\n'),
);
const withoutPolicies = config('without-policies', undefined);

function timeOnce(args, input) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, input, stdio: ['pipe', 'ignore', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return elapsed;
}
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
/** Time from route.planned to invocation.started of the last request in a config's event log. */
function lastPolicyTime(dir) {
  const events = readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const planned = events.findLast((event) => event.type === 'route.planned');
  const started = events.find(
    (event) => event.type === 'invocation.started' && event.invocationId === planned.invocationId,
  );
  return Date.parse(started.at) - Date.parse(planned.at);
}

const cases = {
  bare: [[standIn, 'exec', '--model', 'large', '-'], prompt],
  execWithPolicies: [
    [bin, 'exec', '--config-dir', withPolicies, '--agent', 'writer', '--prompt-file', promptFile],
  ],
  execWithoutPolicies: [
    [bin, 'exec', '--config-dir', withoutPolicies, '--agent', 'writer', '--prompt-file', promptFile],
  ],
};
const samples = {
  bare: [],
  execWithPolicies: [],
  execWithoutPolicies: [],
  policies: [],
  policiesWithout: [],
};
// Warm-up: the first run builds the tokenizer's cached table and the CLI's code cache.
for (let index = 0; index < 3; index++)
  for (const [args, input] of Object.values(cases)) timeOnce(args, input);
for (let index = 0; index < runs; index++) {
  for (const [name, [args, input]] of Object.entries(cases)) samples[name].push(timeOnce(args, input));
  samples.policies.push(lastPolicyTime(withPolicies));
  samples.policiesWithout.push(lastPolicyTime(withoutPolicies));
}
const m = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
const added = m.execWithPolicies - m.bare;
const share = m.policies / added;
const fmt = (ms) => `${ms.toFixed(1)} ms`;
console.log(
  `llm-service policy benchmark (median of ${runs} interleaved runs each; prompt of ${promptTokens} tokens)`,
);
console.log(`  stand-in tool called directly          ${fmt(m.bare)}`);
console.log(`  exec with budgets + cost optimisation  ${fmt(m.execWithPolicies)}`);
console.log(`  exec without policies.yaml             ${fmt(m.execWithoutPolicies)}`);
console.log(
  `  time in policies (from exec's events)  ${fmt(m.policies)} (${fmt(m.policiesWithout)} without policies.yaml)`,
);
console.log('');
console.log(
  `  (a) policies: ${fmt(m.policies)} of exec's added ${fmt(added)} = ${(share * 100).toFixed(1)}% (target <= 25%)` +
    `; wall-clock cross-check: with - without policies = ${fmt(m.execWithPolicies - m.execWithoutPolicies)}`,
);

// ---- (b) The example workload under the shipped cost-optimised policies. ----
const examples = join(root, 'examples/workloads');
const simulated = spawnSync(
  process.execPath,
  [
    bin,
    'simulate',
    '--config-dir',
    join(examples, 'config'),
    '--workload',
    join(examples, 'team-week.jsonl'),
    '--policies',
    join(examples, 'policies.cost-optimized.yaml'),
    '--json',
  ],
  { env, encoding: 'utf8' },
);
if (simulated.status !== 0) throw new Error(`simulate failed: ${simulated.stderr}`);
const report = JSON.parse(simulated.stdout);
const usd = (value) => `$${value.toFixed(2)}`;
console.log(
  `  (b) example workload (${report.total.requests} requests): always the preferred models ${usd(report.total.requestedUsd)}, ` +
    `cost-optimised policies ${usd(report.total.candidateUsd)} = ${report.total.candidateVsRequestedPercent.toFixed(1)}% saved`,
);
