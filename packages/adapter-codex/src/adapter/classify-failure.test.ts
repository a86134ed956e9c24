import { describe, expect, it } from 'vitest';
import { readFixture, runResultOf } from '../../test/support/fixtures.js';
import { CodexEventParser } from '../stream/event-parser.js';
import { classifyFailure, type FailureContext } from './classify-failure.js';
import { codexHints } from './hints.js';

const context: FailureContext = {
  toolId: 'codex',
  binaryPath: '/opt/codex',
  timeoutMs: 30_000,
  retrySameTool: false,
  now: new Date(),
  timeZone: 'UTC',
};

function stateOf(stdout: Buffer) {
  const parser = new CodexEventParser({ onText: () => undefined });
  parser.push(stdout);
  parser.end();
  return parser.state;
}

/** Classifies a recorded run as it ended, at the time it ended. */
function classifyFixture(name: string, overrides: Partial<FailureContext> = {}) {
  const { stdout, meta } = readFixture(name);
  return classifyFailure(runResultOf(meta, { timedOut: meta.timedOut ?? false }), stateOf(stdout), {
    ...context,
    now: new Date(meta.endedAt),
    timeZone: meta.timeZone,
    ...overrides,
  });
}

const none = {
  exitCode: 0,
  signal: null,
  stderr: '',
  description: '',
  args: [],
  responseRequests: 0,
  endedAt: '',
  timeZone: 'UTC',
};

describe('classifying what the real codex printed', () => {
  it.each(['success', 'two-messages'])('%s is no failure', (name) => {
    expect(classifyFixture(name)).toBeUndefined();
  });

  it('a provider key that is not set is auth, with the login hint', () => {
    const error = classifyFixture('not-logged-in');
    expect(error).toMatchObject({ kind: 'auth', retrySameTool: false, fallback: true, toolExitCode: 1 });
    expect(error?.message).toBe("'codex' reported: Missing environment variable: `OPENAI_API_KEY`.");
    expect(error?.hint).toBe('codex is not logged in: run `codex login` or set OPENAI_API_KEY');
  });

  it('a refused key (401) is auth with the re-login hint', () => {
    const error = classifyFixture('auth-401');
    expect(error).toMatchObject({ kind: 'auth', retrySameTool: false, hint: codexHints.refused });
    expect(error?.message).toContain('unexpected status 401 Unauthorized');
  });

  it('429 is rate-limit without a reset time; in-stream it carries the wait the service stated', () => {
    const plain = classifyFixture('rate-limit-429');
    expect(plain).toMatchObject({
      kind: 'rate-limit',
      retrySameTool: false,
      fallback: true,
      resetsAt: undefined,
    });
    expect(plain?.hint).toBe(codexHints['rate-limit']);
    const { meta } = readFixture('rate-limit-in-stream');
    const stated = classifyFixture('rate-limit-in-stream', { retrySameTool: true });
    expect(stated).toMatchObject({ kind: 'rate-limit', retrySameTool: true });
    expect(Date.parse(stated!.resetsAt!)).toBe(Date.parse(meta.endedAt) + 7_500);
  });

  it('usage_limit_reached is plan-limit with the reset codex printed; an account out of credit is plan-limit too', () => {
    for (const name of ['usage-limit-today', 'usage-limit-later']) {
      const { meta } = readFixture(name);
      const error = classifyFixture(name);
      expect(error).toMatchObject({
        kind: 'plan-limit',
        retrySameTool: false,
        fallback: true,
        hint: codexHints.planLimit,
      });
      const stated = Date.parse(String(meta.server?.resetsAt));
      expect(Date.parse(error!.resetsAt!)).toBeGreaterThan(stated);
      expect(Date.parse(error!.resetsAt!)).toBeLessThanOrEqual(stated + 60_000);
    }
    expect(classifyFixture('insufficient-quota')).toMatchObject({
      kind: 'plan-limit',
      resetsAt: undefined,
      hint: codexHints.quota,
    });
  });

  it('500 and 503 are overloaded, retried by llm-service only when the tool opts in', () => {
    expect(classifyFixture('server-error-500')).toMatchObject({ kind: 'overloaded', retrySameTool: false });
    expect(classifyFixture('overloaded-503')).toMatchObject({
      kind: 'overloaded',
      hint: codexHints.overloaded,
    });
    expect(classifyFixture('overloaded-503', { retrySameTool: true })).toMatchObject({ retrySameTool: true });
    expect(classifyFixture('server-error-500-retried')?.message).toBe(
      "'codex' reported: We’re currently experiencing high demand, which may cause temporary errors. (after 2 retries by codex; last: We’re currently experiencing high demand, which may cause temporary errors.)",
    );
  });

  it('a context overflow is context-too-long, a truncated stream bad-output', () => {
    expect(classifyFixture('context-too-long')).toMatchObject({
      kind: 'context-too-long',
      retrySameTool: false,
      fallback: true,
      hint: codexHints['context-too-long'],
    });
    expect(classifyFixture('truncated-stream')).toMatchObject({
      kind: 'bad-output',
      hint: codexHints.truncated,
    });
  });

  it('a run killed while codex waited for the network is a timeout naming what codex was waiting on', () => {
    const error = classifyFixture('connection-refused', { timeoutMs: 4_000 });
    expect(error).toMatchObject({ kind: 'timeout', fallback: true, hint: codexHints.timeout });
    expect(error?.message).toMatch(
      /^'codex' timed out after 4 s \(after \d+ retr(y|ies) by codex; last: Connection failed: error sending request\)$/,
    );
  });

  it('timeout and cancel win over whatever the killed process printed', () => {
    const { stdout, meta } = readFixture('rate-limit-429');
    const killed = { exitCode: null, signal: 'SIGTERM' as const };
    expect(
      classifyFailure(runResultOf(meta, { ...killed, timedOut: true }), stateOf(stdout), context),
    ).toMatchObject({ kind: 'timeout', message: "'codex' timed out after 30 s" });
    expect(
      classifyFailure(runResultOf(meta, { ...killed, cancelled: true }), stateOf(stdout), context),
    ).toMatchObject({ kind: 'cancelled', fallback: false });
  });

  it('output that is not codex’s events is bad-output, with its first bytes kept', () => {
    const stdout = Buffer.from(`Usage: some-other-tool [options]\n${'x'.repeat(2000)}\n`);
    const error = classifyFailure(runResultOf(none), stateOf(stdout), context);
    expect(error).toMatchObject({ kind: 'bad-output', fallback: true });
    expect(error?.message).toContain('"Usage: some-other-tool [options]\\n');
    expect(error?.detail).toBe(stdout.subarray(0, 512).toString('utf8'));
  });

  it('events that end without a completed or failed turn are bad-output when codex exits 0', () => {
    const { stdout } = readFixture('success');
    const cut = Buffer.from(stdout.toString('utf8').split('\n').slice(0, 3).join('\n'));
    expect(classifyFailure(runResultOf(none), stateOf(cut), context)).toMatchObject({
      kind: 'bad-output',
      message: "'codex' exited without completing its turn",
    });
  });

  it('a flag codex does not take is a tool error naming stderr, with a hint about the version', () => {
    const stderr =
      "error: unexpected argument '--approve-for-me' found\n\nUsage: codex exec [OPTIONS] [PROMPT]\n";
    const error = classifyFailure(
      runResultOf({ ...none, exitCode: 2, stderr }),
      stateOf(Buffer.alloc(0)),
      context,
    );
    expect(error).toMatchObject({ kind: 'tool-error', toolExitCode: 2, hint: codexHints.version });
    expect(error?.message).toContain("unexpected argument '--approve-for-me'");
  });

  it('an interrupted codex (SIGINT) is cancelled', () => {
    const { stdout } = readFixture('connection-refused');
    expect(
      classifyFailure(runResultOf({ ...none, exitCode: null, signal: 'SIGINT' }), stateOf(stdout), context),
    ).toMatchObject({ kind: 'cancelled' });
  });

  it('a missing binary is not-installed with the install hint; one that cannot be executed is a tool error', () => {
    const missing = Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' });
    expect(
      classifyFailure(runResultOf(none, { spawnError: missing }), stateOf(Buffer.alloc(0)), context),
    ).toMatchObject({ kind: 'not-installed', fallback: true, hint: codexHints.notInstalled });
    const denied = Object.assign(new Error('spawn EACCES'), { code: 'EACCES' });
    expect(
      classifyFailure(runResultOf(none, { spawnError: denied }), stateOf(Buffer.alloc(0)), context),
    ).toMatchObject({ kind: 'tool-error', message: "could not start '/opt/codex': permission denied" });
  });
});
