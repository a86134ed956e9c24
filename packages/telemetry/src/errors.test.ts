import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDiskFull, reportingDamage } from './errors.js';

const sqliteError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('telemetry errors in the user’s words', () => {
  it('says "disk full" for a write that found no room, instead of SQLite’s words or "this is a bug"', async () => {
    const path = join(tmpdir(), 'telemetry.db');
    const ledger = reportingDamage(
      {
        reserve: async () => Promise.reject(sqliteError('SQLITE_FULL', 'database or disk is full')),
        spent: () => {
          throw sqliteError('SQLITE_CORRUPT', 'database disk image is malformed');
        },
      },
      path,
    );
    await expect(ledger.reserve()).rejects.toMatchObject({
      code: 'E_TELEMETRY_DISK_FULL',
      exitCode: 2,
      message: `disk full: no space left on the file system of the telemetry database ${path}`,
      hint: 'free some space there, or point telemetry.db_path in llm-service.yaml at another disk',
    });
    expect(() => ledger.spent()).toThrow(expect.objectContaining({ code: 'E_TELEMETRY_DAMAGED' }));
  });

  it('takes an I/O error for a full disk only when the file system is out of space', () => {
    const ioError = sqliteError('SQLITE_IOERR_WRITE', 'disk I/O error');
    // The temporary directory's file system has room (a test machine with under 1 MiB free would fail far earlier).
    expect(isDiskFull(ioError, join(tmpdir(), 'telemetry.db'))).toBe(false);
    expect(isDiskFull(sqliteError('ENOSPC', 'no space left on device'), undefined)).toBe(true);
    expect(isDiskFull(new Error('other'), join(tmpdir(), 'telemetry.db'))).toBe(false);
  });
});
