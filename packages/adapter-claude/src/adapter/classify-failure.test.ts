import { describe, expect, it } from 'vitest';
import { readFixture, runResultOf } from '../../test/support/fixtures.js';
import { ClaudeStreamParser } from '../stream/stream-parser.js';
import { classifyFailure, type FailureContext } from './classify-failure.js';

const context: FailureContext = {
  toolId: 'claude',
  binaryPath: '/opt/claude',
  timeoutMs: 30_000,
  retrySameTool: false,
  stoppedForAuth: false,
};

function stateOf(stdout: Buffer) {
  const parser = new ClaudeStreamParser({ onText: () => undefined });
  parser.push(stdout);
  parser.end();
  return parser.state;
}

/** Classifies a recorded run as it ended. */
function classifyFixture(name: string, overrides: Partial<FailureContext> = {}) {
  const { stdout, meta } = readFixture(name);
  return classifyFailure(runResultOf(meta), stateOf(stdout), { ...context, ...overrides });
}

describe('classifying what the real claude printed', () => {
  it.each(['success', 'tool-use', 'rate-limit-then-success'])('%s is no failure', (name) => {
    expect(classifyFixture(name)).toBeUndefined();
  });

  it('no key and no login is auth: not retried on claude, falling back to the next candidate', () => {
    const error = classifyFixture('not-logged-in');
    expect(error).toMatchObject({
      kind: 'auth',
      retrySameTool: false,
      fallback: true,
      toolExitCode: 1,
      code: 'E_ADAPTER_AUTH',
    });
    expect(error?.message).toBe("'claude' reported: Not logged in · Please run /login");
    expect(error?.hint).toContain(
      'log claude in: run `claude` once and use /login, or set ANTHROPIC_API_KEY',
    );
  });

  it('a refused key (401 after claude’s retries) is auth', () => {
    const error = classifyFixture('auth-401');
    expect(error).toMatchObject({ kind: 'auth', retrySameTool: false, fallback: true });
    expect(error?.message).toContain('401');
    expect(error?.message).toContain('after 2 retries by claude; last: HTTP 401');
  });

  it('429 is rate-limit, 529 is overloaded: fallback after claude’s own retries, ours only when opted in', () => {
    const rateLimited = classifyFixture('rate-limit-429');
    expect(rateLimited).toMatchObject({ kind: 'rate-limit', retrySameTool: false, fallback: true });
    expect(rateLimited?.message).toContain('Request rejected (429)');
    expect(rateLimited?.message).toContain('after 2 retries by claude; last: HTTP 429');
    expect(rateLimited?.hint).toContain('wait until the limit resets');
    const overloaded = classifyFixture('overloaded-529');
    expect(overloaded).toMatchObject({ kind: 'overloaded', retrySameTool: false, fallback: true });
    expect(classifyFixture('overloaded-529', { retrySameTool: true })).toMatchObject({
      kind: 'overloaded',
      retrySameTool: true,
    });
  });

  it('a 500 or an unreachable server is a tool error that falls back', () => {
    expect(classifyFixture('server-error-500')).toMatchObject({
      kind: 'tool-error',
      retrySameTool: false,
      fallback: true,
    });
    const refused = classifyFixture('connection-refused');
    expect(refused).toMatchObject({ kind: 'tool-error', fallback: true });
    expect(refused?.message).toContain('Connection refused');
  });

  it('reaching --max-budget-usd mid-task does not fall back: another candidate would spend on top of the cap', () => {
    const error = classifyFixture('budget-exceeded-mid-task');
    expect(error).toMatchObject({ kind: 'tool-error', fallback: false, retrySameTool: false });
    expect(error?.message).toBe(
      "'claude' stopped at its --max-budget-usd cap: Reached maximum budget ($0.0001)",
    );
  });

  it('a whole answer whose one turn crossed --max-budget-usd is an answer, not a failure', () => {
    expect(classifyFixture('budget-exceeded')).toBeUndefined();
  });

  it('a stop the adapter made for a refused static key is auth, whatever the kill looked like', () => {
    const { stdout, meta } = readFixture('auth-401');
    const error = classifyFailure(
      runResultOf(meta, { exitCode: null, signal: 'SIGTERM', cancelled: true }),
      stateOf(stdout),
      { ...context, stoppedForAuth: true },
    );
    expect(error).toMatchObject({ kind: 'auth', retrySameTool: false, fallback: true });
    expect(error?.message).toContain('refused ANTHROPIC_API_KEY (HTTP 401)');
    expect(error?.hint).toBe(
      'ANTHROPIC_API_KEY is set but refused: replace it with a valid key, or unset it to use your claude login',
    );
  });

  it('timeout and cancel win over whatever the killed process printed', () => {
    const { stdout, meta } = readFixture('rate-limit-429');
    const killed = { exitCode: null, signal: 'SIGTERM' as const };
    expect(
      classifyFailure(runResultOf(meta, { ...killed, timedOut: true }), stateOf(Buffer.alloc(0)), context),
    ).toMatchObject({ kind: 'timeout', fallback: true, message: "'claude' timed out after 30 s" });
    expect(
      classifyFailure(runResultOf(meta, { ...killed, cancelled: true }), stateOf(stdout), context),
    ).toMatchObject({ kind: 'cancelled', fallback: false });
  });

  it('a timeout names the retries claude was making', () => {
    const { stdout } = readFixture('overloaded-529');
    const partial = Buffer.from(stdout.toString('utf8').split('\n').slice(0, 4).join('\n'));
    const error = classifyFailure(
      runResultOf(readFixture('overloaded-529').meta, { exitCode: null, timedOut: true }),
      stateOf(partial),
      context,
    );
    expect(error?.message).toBe("'claude' timed out after 30 s (after 2 retries by claude; last: HTTP 529)");
  });

  it('output that is not stream-json is bad-output, with its first bytes kept', () => {
    const stdout = Buffer.from(`Usage: some-other-tool [options]\n${'x'.repeat(2000)}\n`);
    const error = classifyFailure(
      runResultOf({ exitCode: 0, signal: null, stderr: '', description: '', args: [], messageRequests: 0 }),
      stateOf(stdout),
      context,
    );
    expect(error).toMatchObject({ kind: 'bad-output', fallback: true });
    expect(error?.message).toContain('"Usage: some-other-tool [options]\\n');
    expect(error?.detail).toBe(stdout.subarray(0, 512).toString('utf8'));
  });

  it('stream-json that ends without a result line is bad-output when claude exits 0', () => {
    const { stdout } = readFixture('success');
    const truncated = Buffer.from(stdout.toString('utf8').split('\n').slice(0, 5).join('\n'));
    const error = classifyFailure(
      runResultOf({ exitCode: 0, signal: null, stderr: '', description: '', args: [], messageRequests: 0 }),
      stateOf(truncated),
      context,
    );
    expect(error).toMatchObject({ kind: 'bad-output', message: "'claude' exited without a result line" });
  });

  it('a flag claude does not know is a tool error naming stderr, with a hint about the version', () => {
    const error = classifyFailure(
      runResultOf({
        exitCode: 1,
        signal: null,
        stderr: "error: unknown option '--include-partial-messages'\n",
        description: '',
        args: [],
        messageRequests: 0,
      }),
      stateOf(Buffer.alloc(0)),
      context,
    );
    expect(error).toMatchObject({ kind: 'tool-error', toolExitCode: 1 });
    expect(error?.message).toContain("unknown option '--include-partial-messages'");
    expect(error?.message).toContain('2.1 or later');
  });

  it('a missing binary is not-installed; one that cannot be executed is a tool error', () => {
    const missing = Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' });
    const base = { exitCode: null, signal: null, stderr: '', description: '', args: [], messageRequests: 0 };
    expect(
      classifyFailure(runResultOf(base, { spawnError: missing }), stateOf(Buffer.alloc(0)), context),
    ).toMatchObject({ kind: 'not-installed', fallback: true });
    const denied = Object.assign(new Error('spawn EACCES'), { code: 'EACCES' });
    expect(
      classifyFailure(runResultOf(base, { spawnError: denied }), stateOf(Buffer.alloc(0)), context),
    ).toMatchObject({ kind: 'tool-error', message: "could not start '/opt/claude': permission denied" });
  });
});
