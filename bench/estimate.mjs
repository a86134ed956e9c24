// Token estimation on hostile input (issue 13): 10 MB of each kind of text a prompt can hold, estimated as the budget
// policy estimates it (o200k_base, long runs sampled or sized). Target: under a second each. The baseline measured in
// the same run is one linear pass over the same text (a whitespace-run scan), so the ratio shows how far from linear
// the estimate is.
// Usage: node bench/estimate.mjs   (after `pnpm build`)
import { randomBytes } from 'node:crypto';
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
