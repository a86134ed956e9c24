import { describe, expect, it } from 'vitest';
import { readFixture, runResultOf } from '../../test/support/fixtures.js';
import { GeminiStreamParser } from '../stream/stream-parser.js';
import {
  apiStatusOfExitCode,
  classifyFailure,
  geminiHints,
  retryDelayMsOf,
  type FailureContext,
} from './classify-failure.js';

const endedAt = new Date('2026-12-07T08:00:00.000Z');
const context: FailureContext = {
  toolId: 'gemini',
  binaryPath: '/opt/gemini',
  timeoutMs: 30_000,
  retrySameTool: false,
  endedAt,
};

function stateOf(stdout: Buffer) {
  const parser = new GeminiStreamParser({ onText: () => undefined });
  parser.push(stdout);
  parser.end();
  return parser.state;
}

/** Classifies a recorded run as it ended. */
function classifyFixture(name: string, overrides: Partial<FailureContext> = {}) {
  const { stdout, meta } = readFixture(name);
  return classifyFailure(runResultOf(meta), stateOf(stdout), { ...context, ...overrides });
}

const noRun = { exitCode: null, signal: null, stderr: '' };

describe('classifying what the real gemini printed', () => {
  it('a successful run is no failure', () => {
    expect(classifyFixture('success')).toBeUndefined();
  });

  it.each(['api-key-invalid-400', 'unauthenticated-401', 'permission-denied-403'])(
    'a refused key (%s) is auth, with the invalid-key hint',
    (name) => {
      const error = classifyFixture(name);
      expect(error).toMatchObject({
        kind: 'auth',
        retrySameTool: false,
        fallback: true,
        hint: geminiHints.invalidKey,
      });
      expect(error?.message).toContain('API key not valid');
      expect(error?.hint).toBe(
        "gemini's API key is invalid: set GEMINI_API_KEY to a valid key (https://aistudio.google.com/apikey)",
      );
    },
  );

  it('no auth selected, or no key, is auth (exit 41) with the set-up hint', () => {
    for (const name of ['no-auth-selected', 'no-api-key']) {
      const error = classifyFixture(name);
      expect(error).toMatchObject({ kind: 'auth', toolExitCode: 41, hint: geminiHints.noCredentials });
    }
    expect(classifyFixture('no-auth-selected')?.message).toContain('Invalid auth method selected.');
    expect(classifyFixture('no-api-key')?.message).toContain('you must specify the GEMINI_API_KEY');
  });

  it('a 429 with a retry delay is rate-limit, resetting when gemini said (7 s after the run ended)', () => {
    const error = classifyFixture('rate-limit-429');
    expect(error).toMatchObject({
      kind: 'rate-limit',
      retrySameTool: false,
      fallback: true,
      toolExitCode: 173,
      resetsAt: '2026-12-07T08:00:07.000Z',
      hint: geminiHints['rate-limit'],
    });
    expect(classifyFixture('rate-limit-429', { retrySameTool: true })?.retrySameTool).toBe(true);
  });

  it('a used-up daily quota is plan-limit: no retry here, fallback yes', () => {
    const error = classifyFixture('daily-quota-429');
    expect(error).toMatchObject({ kind: 'plan-limit', retrySameTool: false, fallback: true });
    expect(error?.message).toContain('You have exhausted your daily quota on this model.');
    expect(error?.hint).toBe(geminiHints['plan-limit']);
  });

  it('503 is overloaded; 500 and an unreachable server are tool errors that fall back', () => {
    expect(classifyFixture('overloaded-503')).toMatchObject({
      kind: 'overloaded',
      toolExitCode: 247,
      hint: geminiHints.overloaded,
    });
    expect(classifyFixture('server-error-500')).toMatchObject({ kind: 'tool-error', fallback: true });
    const refused = classifyFixture('connection-refused');
    expect(refused).toMatchObject({ kind: 'tool-error', fallback: true });
    expect(refused?.message).toContain('fetch failed');
  });

  it('the API’s "input token count exceeds" is context-too-long', () => {
    const error = classifyFixture('context-too-long');
    expect(error).toMatchObject({ kind: 'context-too-long', retrySameTool: false, fallback: true });
    expect(error?.hint).toBe(geminiHints['context-too-long']);
  });

  it('a cut-off answer stream is bad-output, whether the socket dropped or the stream ended unfinished', () => {
    expect(classifyFixture('truncated-socket')).toMatchObject({ kind: 'bad-output', fallback: true });
    const unfinished = classifyFixture('truncated-no-finish');
    expect(unfinished).toMatchObject({ kind: 'bad-output', toolExitCode: 0 });
    expect(unfinished?.message).toContain('Model stream ended without a finish reason.');
  });

  it('exit 55 (untrusted folder) is a tool error with the trust hint', () => {
    const error = classifyFixture('untrusted-folder');
    expect(error).toMatchObject({ kind: 'tool-error', toolExitCode: 55, hint: geminiHints.untrusted });
    expect(error?.message).toContain('not running in a trusted directory');
    // On a terminal gemini colours it: the message keeps the words, not the escape codes.
    const { meta } = readFixture('untrusted-folder');
    const coloured = classifyFailure(
      runResultOf({ ...meta, stderr: `\u001b[31m${meta.stderr.trim()}\u001b[0m` }),
      stateOf(Buffer.alloc(0)),
      context,
    );
    expect(coloured?.message).not.toContain('\u001b');
    expect(coloured?.message).toContain('Gemini CLI is not running in a trusted directory.');
  });

  it('exit 42 (input refused) and 53 (turn limit) are tool errors; the turn limit does not fall back', () => {
    const input = classifyFixture('empty-prompt');
    expect(input).toMatchObject({
      kind: 'tool-error',
      toolExitCode: 42,
      fallback: true,
      hint: geminiHints.input,
    });
    expect(input?.message).toBe(
      "'gemini' exited with code 42: No input provided via stdin. Input can be provided by piping data into gemini or using the --prompt option.",
    );
    const turns = classifyFailure(
      runResultOf({ exitCode: 53, signal: null, stderr: '' }),
      stateOf(
        Buffer.from(
          `${JSON.stringify({ type: 'result', status: 'error', error: { type: 'FatalTurnLimitedError', message: 'Reached max session turns for this session.' } })}\n`,
        ),
      ),
      context,
    );
    expect(turns).toMatchObject({ kind: 'tool-error', fallback: false, hint: geminiHints.turnLimit });
    expect(turns?.message).toContain('Reached max session turns');
  });

  it('the sign-in refusal for individual Google accounts is plan-limit, with the API-key hint', () => {
    // Google's Code Assist service sends this reason (UNSUPPORTED_CLIENT) since 2026-06; gemini prints it as it came.
    const error = classifyFailure(
      runResultOf({
        exitCode: 1,
        signal: null,
        stderr:
          'Failed to sign in. Message: This client is no longer supported for Gemini Code Assist for individuals. To continue using Gemini, please migrate to the Antigravity suite of products: https://antigravity.google\n',
      }),
      stateOf(Buffer.alloc(0)),
      context,
    );
    expect(error).toMatchObject({ kind: 'plan-limit', fallback: true, hint: geminiHints.individualAccount });
  });

  it('timeout and cancel win over whatever the killed process printed', () => {
    const { stdout, meta } = readFixture('rate-limit-429');
    const killed = { exitCode: null, signal: 'SIGTERM' as const };
    expect(
      classifyFailure(runResultOf(meta, { ...killed, timedOut: true }), stateOf(stdout), context),
    ).toMatchObject({ kind: 'timeout', fallback: true, message: "'gemini' timed out after 30 s" });
    expect(
      classifyFailure(runResultOf(meta, { ...killed, cancelled: true }), stateOf(stdout), context),
    ).toMatchObject({ kind: 'cancelled', fallback: false });
  });

  it('output that is not stream-json is bad-output, with its first bytes kept', () => {
    const stdout = Buffer.from(`Usage: some-other-tool [options]\n${'x'.repeat(2000)}\n`);
    const error = classifyFailure(runResultOf({ ...noRun, exitCode: 0 }), stateOf(stdout), context);
    expect(error).toMatchObject({ kind: 'bad-output', fallback: true });
    expect(error?.message).toContain('"Usage: some-other-tool [options]\\n');
  });

  it('stream-json that ends without a result line is bad-output when gemini exits 0', () => {
    const { stdout } = readFixture('success');
    const truncated = Buffer.from(stdout.toString('utf8').split('\n').slice(0, 3).join('\n'));
    const error = classifyFailure(runResultOf({ ...noRun, exitCode: 0 }), stateOf(truncated), context);
    expect(error).toMatchObject({ kind: 'bad-output', message: "'gemini' exited without a result line" });
  });

  it('a flag gemini does not know is a tool error naming stderr, with a hint about the version', () => {
    const error = classifyFailure(
      runResultOf({ exitCode: 1, signal: null, stderr: 'Unknown argument: skip-trust\n' }),
      stateOf(Buffer.alloc(0)),
      context,
    );
    expect(error).toMatchObject({ kind: 'tool-error', toolExitCode: 1 });
    expect(error?.message).toContain('Unknown argument: skip-trust');
    expect(error?.message).toContain('0.61 or later');
  });

  it('a missing binary is not-installed with the install hint; one that cannot be executed is a tool error', () => {
    const missing = Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' });
    expect(
      classifyFailure(runResultOf(noRun, { spawnError: missing }), stateOf(Buffer.alloc(0)), context),
    ).toMatchObject({ kind: 'not-installed', fallback: true, hint: geminiHints.notInstalled });
    const denied = Object.assign(new Error('spawn EACCES'), { code: 'EACCES' });
    expect(
      classifyFailure(runResultOf(noRun, { spawnError: denied }), stateOf(Buffer.alloc(0)), context),
    ).toMatchObject({ kind: 'tool-error', message: "could not start '/opt/gemini': permission denied" });
  });
});

describe('reading gemini’s numbers', () => {
  it('turns an exit code back into the HTTP status gemini exited with', () => {
    expect(apiStatusOfExitCode(144)).toBe(400);
    expect(apiStatusOfExitCode(173)).toBe(429);
    expect(apiStatusOfExitCode(247)).toBe(503);
    expect(apiStatusOfExitCode(55)).toBeUndefined();
    expect(apiStatusOfExitCode(130)).toBeUndefined();
    expect(apiStatusOfExitCode(null)).toBeUndefined();
  });

  it('reads the retry delays gemini and the API word', () => {
    expect(retryDelayMsOf('Suggested retry after 7s.')).toBe(7000);
    expect(retryDelayMsOf('Please retry in 1.5s')).toBe(1500);
    expect(retryDelayMsOf('Please retry in 250ms')).toBe(250);
    expect(retryDelayMsOf('no delay here')).toBeUndefined();
  });
});
