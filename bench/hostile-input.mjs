// Hostile input (issue 13), each target under a second:
//   token estimation of 10 MB of each kind of text a prompt can hold, estimated as the budget policy estimates it
//   (o200k_base, long runs sampled or sized), against one linear pass over the same text measured in the same run;
//   `config validate` of a config of 10,000 agents, against the same command on the quick-start (median of 5 each).
// Usage: node bench/hostile-input.mjs   (after `pnpm build`)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const policy = await import(pathToFileURL(join(root, 'packages/policy/dist/index.js')).href);
const size = 10 * 1024 * 1024;
const counter = () => policy.o200kCounter({ cacheDir: undefined });
await counter(); // Build the vocabulary table once, outside the timings.

const fill = (unit) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
const inputs = {
  spaces: fill(' '),
  newlines: fill('\n'),
  'spaces and newlines': fill(' \n'),
  'base64 (one run)': randomBytes((size * 3) / 4).toString('base64'),
  prose: fill('The quick brown fox jumps over the lazy dog, and the rate limiter admits bursts. '),
  code: fill('function add(a, b) {\n  return a + b;\n}\n\n'),
  'one long word': fill('a'),
};

const time = async (work) => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

console.log('token estimation of 10 MB inputs (ms; ratio to one linear scan of the same text)');
for (const [name, text] of Object.entries(inputs)) {
  const baseline = await time(() => text.match(/\s+/g)?.length);
  let tokens = 0;
  const elapsed = await time(async () => {
    tokens = (await policy.estimateTokens(text, counter)).tokens;
  });
  const verdict = elapsed < 1000 ? 'ok' : 'OVER 1 s';
  console.log(
    `  ${name.padEnd(22)} ${elapsed.toFixed(0).padStart(6)} ms  ${(elapsed / baseline).toFixed(1).padStart(6)}x  ${String(tokens).padStart(9)} tokens  ${verdict}`,
  );
}

// ---- A config of 10,000 agents: YAML parsing, validation and cross-references must stay linear. ----
const work = mkdtempSync(join(tmpdir(), 'llm-service-bench-hostile-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const quickStart = join(root, 'examples/quick-start');
const large = join(work, 'quick-start');
cpSync(quickStart, large, { recursive: true });
cpSync(join(root, 'examples/stand-in-llm'), join(work, 'stand-in-llm'), { recursive: true });
const agents = readFileSync(join(quickStart, 'agents.yaml'), 'utf8').trimEnd();
const extra = Array.from(
  { length: 10_000 },
  (_, index) => `  agent${index}:\n    preferred_tool: stand-in\n    preferred_model: stand-in-small\n`,
).join('');
writeFileSync(join(large, 'agents.yaml'), `${agents}\n${extra}`);
// The same 10,000 agents, each with a misspelt field: every problem is located and reported.
const broken = join(work, 'broken');
cpSync(large, broken, { recursive: true });
writeFileSync(
  join(broken, 'agents.yaml'),
  `${agents}\n${extra.replaceAll('    preferred_model: stand-in-small\n', '    prefered_model: stand-in-small\n')}`,
);
const bin = join(root, 'packages/cli/dist/bin.js');
const validate = (dir, expectedStatus = 0) => {
  const started = performance.now();
  const result = spawnSync(process.execPath, [bin, 'config', 'validate', '--config-dir', dir], {
    encoding: 'utf8',
  });
  if (result.status !== expectedStatus)
    throw new Error(`config validate exited ${result.status}: ${result.stderr}`);
  return performance.now() - started;
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const small = [];
const big = [];
const bigBroken = [];
for (let run = 0; run < 5; run++) {
  small.push(validate(quickStart));
  big.push(validate(large));
  bigBroken.push(validate(broken, 2));
}
const smallMs = median(small);
for (const [name, times] of [
  ['10,000 agents', big],
  ['10,000 agents, a problem in each', bigBroken],
]) {
  const ms = median(times);
  console.log(
    `config validate, ${name}: ${ms.toFixed(0)} ms against ${smallMs.toFixed(0)} ms for the quick-start = ${(ms / smallMs).toFixed(1)}x  ${ms < 1000 ? 'ok' : 'OVER 1 s'}`,
  );
}
