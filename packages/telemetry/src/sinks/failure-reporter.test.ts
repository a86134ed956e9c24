import { describe, expect, it } from 'vitest';
import { FailureReporter } from './failure-reporter.js';

function reported(error: unknown, path?: string): string[] {
  const warnings: string[] = [];
  new FailureReporter('telemetry', { warn: (message) => warnings.push(message) }, path).report(error);
  return warnings;
}

describe('the failure reporter', () => {
  it('calls a full disk "disk full", whichever way SQLite or the file system said it', () => {
    const sqliteFull = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    expect(reported(sqliteFull, '/data/telemetry.db')).toEqual([
      'telemetry not recorded (1 event lost): disk full: no space left on the file system of /data/telemetry.db',
    ]);
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(reported(enospc, '/data/events.jsonl')[0]).toContain('disk full');
  });

  it('keeps other errors as they are, and a disk I/O error on a disk with room is not called full', () => {
    const ioError = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });
    // The temporary directory's file system has room.
    expect(reported(ioError, `${process.cwd()}/telemetry.db`)).toEqual([
      'telemetry not recorded (1 event lost): disk I/O error',
    ]);
  });
});
