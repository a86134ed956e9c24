import { describe, expect, it } from 'vitest';
import { runWithParser } from './run-with-parser.js';

describe('runWithParser', () => {
  it('sends the prompt on stdin and stdout through the parser, ended before it resolves', async () => {
    const seen: string[] = [];
    const parser = {
      push: (chunk: Buffer) => seen.push(chunk.toString('utf8')),
      end: () => seen.push('<end>'),
    };
    const run = await runWithParser(
      parser,
      { prompt: new TextEncoder().encode('hello'), timeoutMs: 10_000 },
      {
        binaryPath: process.execPath,
        cwd: process.cwd(),
        args: ['-e', 'process.stdin.pipe(process.stdout)'],
        env: { PATH: process.env.PATH ?? '' },
        signal: new AbortController().signal,
      },
    );
    expect(run.exitCode).toBe(0);
    expect(seen.at(-1)).toBe('<end>');
    expect(seen.slice(0, -1).join('')).toBe('hello');
  });
});
