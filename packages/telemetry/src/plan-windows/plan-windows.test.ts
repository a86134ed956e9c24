import { afterEach, describe, expect, it } from 'vitest';
import type { PlanWindowObservation } from '@llm-service/spec';
import { TemporaryStores } from '../testing/temporary-store.js';
import { SqliteTelemetryStore } from '../sqlite/sqlite-store.js';
import { PlanWindows } from './plan-windows.js';

const temporary = new TemporaryStores();
afterEach(() => temporary.cleanup());

/** A clock the test moves by hand. */
function clockAt(iso: string): { now: () => Date; set: (next: string) => void } {
  let current = new Date(iso);
  return { now: () => current, set: (next) => (current = new Date(next)) };
}

function reading(
  tool: string,
  window: string,
  observedAt: string,
  fields: Partial<PlanWindowObservation> = {},
): PlanWindowObservation {
  return { tool, window, status: 'allowed', observedAt, ...fields };
}

describe('plan windows', () => {
  it("keeps every reading and reads the latest of each tool's each window, by when it was observed", async () => {
    const windows = new PlanWindows(temporary.sqlite());
    await windows.record(reading('claude', 'five_hour', '2026-12-07T10:00:00.000Z', { utilization: 0.2 }));
    await windows.record(
      reading('claude', 'five_hour', '2026-12-07T11:00:00.000Z', {
        utilization: 0.5,
        account: 'org-1',
        resetsAt: '2026-12-07T14:00:00Z',
      }),
    );
    // Reported late (a slow process): older than the reading above, so not the latest.
    await windows.record(reading('claude', 'five_hour', '2026-12-07T10:30:00.000Z', { utilization: 0.4 }));
    await windows.record(
      reading('claude', 'seven_day', '2026-12-07T09:00:00+01:00', { status: 'warning', utilization: 0.81 }),
    );
    await windows.record(reading('codex', 'five_hour', '2026-12-07T10:00:00.000Z', { utilization: 0.1 }));

    expect(await windows.latest()).toEqual([
      {
        tool: 'claude',
        account: 'org-1',
        window: 'five_hour',
        status: 'allowed',
        utilization: 0.5,
        // Stored in UTC with milliseconds, whatever offset it came with, so times compare as text.
        resetsAt: '2026-12-07T14:00:00.000Z',
        observedAt: '2026-12-07T11:00:00.000Z',
      },
      {
        tool: 'claude',
        window: 'seven_day',
        status: 'warning',
        utilization: 0.81,
        observedAt: '2026-12-07T08:00:00.000Z',
      },
      {
        tool: 'codex',
        window: 'five_hour',
        status: 'allowed',
        utilization: 0.1,
        observedAt: '2026-12-07T10:00:00.000Z',
      },
    ]);
    expect((await windows.latest({ tool: 'codex' })).map((row) => row.tool)).toEqual(['codex']);
    expect(await windows.latest({ tool: 'gemini' })).toEqual([]);
  });

  it('gives the history oldest first, filtered, and the most recent ones when limited', async () => {
    const windows = new PlanWindows(temporary.sqlite());
    for (let hour = 10; hour < 15; hour++) {
      await windows.record(
        reading('claude', 'five_hour', `2026-12-07T${hour}:00:00.000Z`, { utilization: hour / 100 }),
      );
      await windows.record(reading('codex', 'five_hour', `2026-12-07T${hour}:30:00.000Z`));
    }
    await windows.record(reading('claude', 'seven_day', '2026-12-07T12:15:00.000Z'));
    const utilizations = (rows: readonly PlanWindowObservation[]) => rows.map((row) => row.utilization);

    expect(utilizations(await windows.history({ tool: 'claude', window: 'five_hour' }))).toEqual([
      0.1, 0.11, 0.12, 0.13, 0.14,
    ]);
    expect(
      utilizations(
        await windows.history({
          tool: 'claude',
          window: 'five_hour',
          since: new Date('2026-12-07T12:00:00Z'),
        }),
      ),
    ).toEqual([0.12, 0.13, 0.14]);
    expect(utilizations(await windows.history({ tool: 'claude', window: 'five_hour', limit: 2 }))).toEqual([
      0.13, 0.14,
    ]);
    const all = await windows.history({ since: new Date('2026-12-07T12:00:00Z') });
    expect(all.map((row) => `${row.tool} ${row.window} ${row.observedAt.slice(11, 16)}`)).toEqual([
      'claude five_hour 12:00',
      'claude seven_day 12:15',
      'codex five_hour 12:30',
      'claude five_hour 13:00',
      'codex five_hour 13:30',
      'claude five_hour 14:00',
      'codex five_hour 14:30',
    ]);
  });

  it('holds a tool until the hold ends, and no reading holds anything, not even a rejected one', async () => {
    const clock = clockAt('2026-12-07T12:50:00Z');
    const windows = new PlanWindows(temporary.sqlite(), { now: clock.now });
    // Claude on overage credit reports its five-hour window rejected while it still answers: no hold.
    await windows.record(
      reading('claude', 'five_hour', '2026-12-07T12:50:00.000Z', {
        status: 'rejected',
        utilization: 1,
        resetsAt: '2026-12-07T14:00:00.000Z',
      }),
    );
    expect(await windows.heldUntil('claude')).toBeUndefined();
    const hold = {
      tool: 'claude',
      until: '2026-12-07T14:00:00.000Z',
      reason: "You've hit your 5-hour limit",
      window: 'five_hour',
    };
    await windows.hold(hold);
    expect(await windows.heldUntil('claude')).toEqual(hold);
    expect(await windows.heldUntil('codex')).toBeUndefined();
    expect(await windows.heldUntil('claude', new Date('2026-12-07T13:59:59.999Z'))).toEqual(hold);
    clock.set('2026-12-07T14:00:00Z');
    expect(await windows.heldUntil('claude')).toBeUndefined();
  });

  it('lengthens a hold in force but never shortens it; once it ended, a shorter one holds again', async () => {
    const clock = clockAt('2026-12-07T12:00:00Z');
    const windows = new PlanWindows(temporary.sqlite(), { now: clock.now });
    await windows.hold({
      tool: 'claude',
      until: '2026-12-07T14:00:00Z',
      reason: 'five_hour rejected',
      window: 'five_hour',
    });
    await windows.hold({ tool: 'claude', until: '2026-12-07T13:00:00Z', reason: 'a 429 said an hour' });
    expect(await windows.heldUntil('claude')).toEqual({
      tool: 'claude',
      until: '2026-12-07T14:00:00.000Z',
      reason: 'five_hour rejected',
      window: 'five_hour',
    });
    await windows.hold({ tool: 'claude', until: '2026-12-14T00:00:00Z', reason: 'seven_day rejected' });
    expect(await windows.heldUntil('claude')).toEqual({
      tool: 'claude',
      until: '2026-12-14T00:00:00.000Z',
      reason: 'seven_day rejected',
    });
    clock.set('2026-12-14T00:00:01Z');
    expect(await windows.heldUntil('claude')).toBeUndefined();
    await windows.hold({ tool: 'claude', until: '2026-12-14T01:00:00Z', reason: 'again' });
    expect(await windows.heldUntil('claude')).toMatchObject({
      until: '2026-12-14T01:00:00.000Z',
      reason: 'again',
    });
  });

  it('shows what one connection wrote to another at once, with nothing to flush', async () => {
    const writerStore = temporary.sqlite();
    const readerStore = temporary.track(new SqliteTelemetryStore({ path: writerStore.location }));
    const now = () => new Date('2026-12-07T12:00:00Z');
    const writer = new PlanWindows(writerStore, { now });
    const reader = new PlanWindows(readerStore, { now });
    expect(await reader.heldUntil('claude')).toBeUndefined();
    await writer.record(
      reading('claude', 'five_hour', '2026-12-07T12:00:00Z', {
        status: 'rejected',
        resetsAt: '2026-12-07T13:00:00Z',
      }),
    );
    expect((await reader.latest()).map((row) => row.status)).toEqual(['rejected']);
    await writer.hold({ tool: 'claude', until: '2026-12-07T13:00:00Z', reason: 'refused' });
    expect(await reader.heldUntil('claude')).toMatchObject({ until: '2026-12-07T13:00:00.000Z' });
  });

  it('reads a utilization past 1 as a full window, and refuses a reading that does not say what the contract asks', async () => {
    const windows = new PlanWindows(temporary.sqlite());
    await windows.record(reading('claude', 'overage', '2026-12-07T12:00:00Z', { utilization: 1.07 }));
    expect((await windows.latest())[0]?.utilization).toBe(1);

    const invalid: [Partial<PlanWindowObservation> & Record<string, unknown>, string][] = [
      [{ status: 'exhausted' as never }, 'status'],
      [{ utilization: -0.1 }, 'utilization'],
      [{ utilization: Number.NaN }, 'utilization'],
      [{ resetsAt: 'in an hour' }, 'resetsAt'],
      [{ resetsAt: '2026-12-07' }, 'resetsAt'],
      [{ observedAt: '2026-13-40T00:00:00Z' }, 'observedAt'],
      [{ tool: ' ' }, 'tool'],
      [{ window: '' }, 'window'],
    ];
    for (const [fields, path] of invalid) {
      await expect(
        windows.record({ ...reading('claude', 'five_hour', '2026-12-07T12:00:00Z'), ...fields }),
      ).rejects.toMatchObject({
        code: 'E_TELEMETRY_INVALID',
        message: expect.stringContaining(`invalid plan window observation: ${path}:`),
      });
    }
    await expect(windows.hold({ tool: 'claude', until: 'soon', reason: 'x' })).rejects.toMatchObject({
      code: 'E_TELEMETRY_INVALID',
    });
    // Nothing of the refused readings was written.
    expect(await windows.history()).toHaveLength(1);
    expect(await windows.heldUntil('claude')).toBeUndefined();
  });

  it('refuses a row read back that is not one the contract allows', async () => {
    const store = temporary.sqlite();
    const windows = new PlanWindows(store);
    const db = store.connection.open();
    // Written as a newer release might: a status this one does not know (past its CHECK constraint, on purpose).
    db.pragma('ignore_check_constraints = ON');
    db.prepare(
      `INSERT INTO plan_window_observations (tool, window, status, observed_at)
       VALUES ('claude', 'five_hour', 'exhausted', '2026-12-07T12:00:00.000Z')`,
    ).run();
    db.pragma('ignore_check_constraints = OFF');
    await expect(windows.history()).rejects.toMatchObject({
      code: 'E_TELEMETRY_INVALID',
      message: expect.stringContaining(
        `a plan window row of the telemetry database ${store.location} is not valid`,
      ),
    });
  });
});
