import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact.js';

describe('redacting key-like strings from messages', () => {
  it.each([
    ['invalid x-api-key sk-ant-api03-AbCdEf0123456789xyz', 'invalid x-api-key sk-[REDACTED]'],
    ['OPENAI_API_KEY=sk-proj-abcdefghijklmnop1234 is wrong', 'OPENAI_API_KEY=[REDACTED] is wrong'],
    ['Authorization: Bearer eyJhbGciOi.J9eyJzdWIiOiIx.MjM0NTY3ODkw', 'Authorization: Bearer [REDACTED]'],
    ['{"api_key": "AbC123xyz"}', '{"api_key": "[REDACTED]"}'],
    ['password=hunter22 rejected', 'password=[REDACTED] rejected'],
    ['token ghp_abcdefghijklmnopqrstuvwxyz0123 expired', 'token ghp_[REDACTED] expired'],
    ['key AIzaSyA1234567890abcdefghijklmnopqrstu', 'key AIza[REDACTED]'],
    ['aws AKIAIOSFODNN7EXAMPLE denied', 'aws AKIA[REDACTED] denied'],
    ['slack xoxb-1234-5678-abcdefgh', 'slack xoxb-[REDACTED]'],
    ['gitlab glpat-xYz12345AbCdEf67890gh refused', 'gitlab glpat-[REDACTED] refused'],
    [
      'fatal: could not read from https://deploy:s3cr3t-pa55@git.example.com/team/repo.git',
      'fatal: could not read from https://deploy:[REDACTED]@git.example.com/team/repo.git',
    ],
    ['proxy http://me:hunter2@10.0.0.1:3128 refused', 'proxy http://me:[REDACTED]@10.0.0.1:3128 refused'],
    ['session 0123456789abcdef0123456789abcdef01 lost', 'session [REDACTED] lost'],
    ['secret dGhpcyBpcyBhIHNlY3JldCBrZXkgZm9yIHRlc3Rpbmc9PQ2 leaked', 'secret [REDACTED] leaked'],
  ])('redacts %j', (message, expected) => {
    expect(redactSecrets(message)).toBe(expected);
  });

  it.each([
    'ERROR: exceeded retry limit, last status: 429 Too Many Requests',
    'timed out after 600 s',
    'request 6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f failed',
    'cannot read /home/someone/projects/llm-service/examples/quick-start/tools.yaml',
    'max_tokens=4096 exceeded; input_token: 1234',
    'ERROR: unexpected status 401 Unauthorized: invalid API key',
    'see https://docs.example.com:8443/errors#429 and mailto:help@example.com',
    "no task '2026-12-07T0227-writer-write-the-changelog' in /work/collaboration",
    'task file assigned/writer/2026-12-07T0227-writer-write-the-changelog.yaml:3:9: status: not a status',
  ])('keeps %j', (message) => {
    expect(redactSecrets(message)).toBe(message);
  });
});
