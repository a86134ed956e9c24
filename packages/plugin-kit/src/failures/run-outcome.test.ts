import { describe, expect, it } from 'vitest';
import type { RunToolResult } from '../process/run-tool.js';
import {
  describeExit,
  exitFailure,
  formatSeconds,
  outputTail,
  outputTailChars,
  spawnFailure,
  stoppedRunFailure,
  streamOutputFailure,
  toolRunContext,
} from './run-outcome.js';

const run = (fields: Partial<RunToolResult> = {}): RunToolResult => ({
  exitCode: 1,
  signal: null,
  stdout: Buffer.alloc(0),
  stderr: '',
  timedOut: false,
  cancelled: false,
  durationMs: 10,
  spawnError: undefined,
  ...fields,
});
const context = { toolId: 'fake', binaryPath: '/bin/fake', timeoutMs: 2500, retrySameTool: false };
const expected = { output: "fake's events", program: 'the Fake CLI', ending: 'a result line' };

describe('messages', () => {
  it('keeps the end of long output, and states seconds and exits plainly', () => {
    expect(outputTail('  short \n')).toBe('short');
    const tail = outputTail('x'.repeat(outputTailChars) + 'end');
    expect(tail).toHaveLength(outputTailChars + 1);
    expect(tail.startsWith('…') && tail.endsWith('end')).toBe(true);
    expect(formatSeconds(30_000)).toBe('30');
    expect(formatSeconds(2500)).toBe('2.5');
    expect(describeExit(run({ exitCode: 2 }))).toBe('exited with code 2');
    expect(describeExit(run({ exitCode: null, signal: 'SIGKILL' }))).toBe('was killed by SIGKILL');
  });
});

describe('spawnFailure', () => {
  it('maps ENOENT to not-installed and the rest to tool-error', () => {
    const enoent = Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' });
    expect(spawnFailure(enoent, '/bin/fake', 'install it')).toMatchObject({
      kind: 'not-installed',
      message: "could not start '/bin/fake': the file was not found",
      hint: 'install it',
    });
    const eacces = Object.assign(new Error('spawn EACCES'), { code: 'EACCES' });
    expect(spawnFailure(eacces, '/bin/fake').kind).toBe('tool-error');
    expect(spawnFailure(new Error('other'), '/bin/fake').message).toBe("could not start '/bin/fake': other");
  });
});

describe('stoppedRunFailure', () => {
  it('puts a cancel before a timeout, and nothing for a run that ended by itself', () => {
    expect(stoppedRunFailure(run({ cancelled: true, timedOut: true }), '', context)?.kind).toBe('cancelled');
    expect(
      stoppedRunFailure(run({ timedOut: true }), 'last words', {
        ...context,
        note: ' (busy)',
        timeoutHint: 'wait',
      }),
    ).toMatchObject({
      kind: 'timeout',
      message: "'fake' timed out after 2.5 s (busy)",
      detail: 'last words',
      hint: 'wait',
    });
    expect(stoppedRunFailure(run(), '', context)).toBeUndefined();
  });
});

describe('streamOutputFailure', () => {
  it('tells output that was not the stream from a stream that stopped early', () => {
    const notStream = streamOutputFailure(
      run({ exitCode: 0 }),
      '',
      { events: 0, unreadableLines: 2, firstBytes: 'hi' },
      context,
      expected,
    );
    expect(notStream?.message).toBe(
      `'fake' did not print fake's events (is '/bin/fake' the Fake CLI?); it began with: "hi"`,
    );
    const cut = streamOutputFailure(
      run({ exitCode: 0 }),
      'err',
      { events: 0, unreadableLines: 0, firstBytes: '' },
      context,
      expected,
    );
    expect(cut).toMatchObject({
      kind: 'bad-output',
      message: "'fake' exited without a result line and printed nothing",
      detail: 'err',
    });
    expect(
      streamOutputFailure(
        run({ exitCode: 1 }),
        '',
        { events: 3, unreadableLines: 0, firstBytes: '{}' },
        context,
        expected,
      ),
    ).toBeUndefined();
  });
});

describe('exitFailure', () => {
  it('says how the tool exited, with its output and a note', () => {
    expect(
      exitFailure('auth', run({ exitCode: 2 }), 'denied', context, { note: ' (old?)', hint: 'log in' }),
    ).toMatchObject({
      kind: 'auth',
      message: "'fake' exited with code 2: denied (old?)",
      detail: 'denied',
      toolExitCode: 2,
      hint: 'log in',
    });
    expect(exitFailure('tool-error', run({ exitCode: null, signal: 'SIGTERM' }), '', context).message).toBe(
      "'fake' was killed by SIGTERM",
    );
  });
});

describe('toolRunContext', () => {
  it('takes the tool id, timeout and retry.same_tool of a request', () => {
    const request = { toolId: 'fake', timeoutMs: 2500, tool: { retry: { same_tool: true } } };
    expect(toolRunContext(request, '/bin/fake')).toEqual({ ...context, retrySameTool: true });
  });
});
