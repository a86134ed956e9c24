import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { currentProcessIdentity, type ProcessIdentity } from '@llm-service/plugin-kit';
import { judgeLease, LEASE_STALE_MS, Leases, leaseGenerations, type LeaseOwner } from './lease.js';

const me = currentProcessIdentity();
const owner = (identity: Partial<ProcessIdentity>): LeaseOwner => ({
  task: 't1',
  runner: 'r',
  claimedAt: '2026-12-01T09:00:00Z',
  ...me,
  ...identity,
});
/** A process that has ended: its pid, as this machine last saw it. */
function endedPid(): number {
  return Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString(),
  );
}

describe('lease staleness', () => {
  const now = 1_000_000_000;
  const fresh = now - 1_000;
  const old = now - LEASE_STALE_MS - 1_000;

  it('is stale at once when its runner is provably gone on this host', () => {
    const gone = owner({ pid: endedPid(), startTime: 'boot:1' });
    expect(judgeLease({ owner: gone, mtimeMs: fresh }, me, now)).toEqual({
      stale: true,
      reason: `its runner (pid ${gone.pid} on ${me.host}) has ended`,
    });
  });

  it('is stale when the pid was reused by a later process (another start time)', () => {
    const reused = owner({ pid: 4242, startTime: 'boot:100' });
    const checks = { isAlive: () => true, startTimeOf: () => 'boot:999' };
    expect(judgeLease({ owner: reused, mtimeMs: fresh }, me, now, { checks }).stale).toBe(true);
  });

  it('is never stale while its runner lives on this host, however long since it was renewed', () => {
    const alive = owner({ pid: 4242, startTime: 'boot:100' });
    const checks = { isAlive: () => true, startTimeOf: () => 'boot:100' };
    expect(judgeLease({ owner: alive, mtimeMs: now - 3_600_000 }, me, now, { checks })).toEqual({
      stale: false,
      reason: `its runner (pid 4242 on ${me.host}) is running`,
    });
  });

  it('on another host or PID namespace, is stale only once not renewed for a minute', () => {
    for (const elsewhere of [owner({ host: 'other-host' }), owner({ namespace: 'pid:[1]' })]) {
      expect(judgeLease({ owner: elsewhere, mtimeMs: fresh }, me, now).stale).toBe(false);
      expect(judgeLease({ owner: elsewhere, mtimeMs: old }, me, now)).toMatchObject({
        stale: true,
        reason: expect.stringContaining('has not renewed its lease for 61 s'),
      });
    }
  });

  it('without a start time to tell a reused pid, trusts the renewals', () => {
    const noStart = owner({ pid: 4242, startTime: undefined });
    const checks = { isAlive: () => true };
    expect(judgeLease({ owner: noStart, mtimeMs: fresh }, me, now, { checks }).stale).toBe(false);
    expect(judgeLease({ owner: noStart, mtimeMs: old }, me, now, { checks }).stale).toBe(true);
  });

  it('counts a lease that cannot be read as being written until it is a minute old', () => {
    expect(judgeLease({ owner: undefined, mtimeMs: fresh }, me, now)).toEqual({
      stale: false,
      reason: 'its lease is being written',
    });
    expect(judgeLease({ owner: undefined, mtimeMs: old }, me, now).stale).toBe(true);
  });

  it('orders generations, ignoring other files', () => {
    expect(leaseGenerations(['lease.2', 'answer.md', 'lease.10', 'lease.0', 'lease.x', 'lease.1'])).toEqual([
      10, 2, 1,
    ]);
  });
});

describe('leases on disk', () => {
  let workDir: string;
  const leases = (identity: Partial<ProcessIdentity> = {}, runner = 'runner-a') =>
    new Leases({ workDir, identity: { ...me, ...identity }, runner });
  const folder = () => join(workDir, 'runs/t1');
  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'tasks-lease-'));
  });

  it('claims with the runner identity, renews, and releases', async () => {
    const claim = await leases().claim('t1');
    if (!claim.ok) throw new Error(claim.reason);
    expect(claim.tookOver).toBeUndefined();
    const written = JSON.parse(readFileSync(join(folder(), 'lease.1'), 'utf8')) as LeaseOwner;
    expect(written).toMatchObject({ task: 't1', runner: 'runner-a', pid: process.pid, host: me.host });
    expect(written.startTime).toBe(me.startTime);

    // A second runner on this host sees a live holder and does not wait.
    expect(await leases({}, 'runner-b').claim('t1')).toEqual({
      ok: false,
      reason: `another runner holds it: its runner (pid ${process.pid} on ${me.host}) is running`,
    });
    utimesSync(join(folder(), 'lease.1'), 1, 1);
    expect(await claim.lease.renew(new Date(5_000_000))).toBe('held');
    expect(readdirSync(folder())).toEqual(['lease.1']);
    await claim.lease.release();
    expect(readdirSync(folder())).toEqual([]);
    expect(await leases().inspect('t1')).toBeUndefined();
  });

  it('takes over a lease whose runner has ended, as the next generation, and the old holder learns it lost', async () => {
    const dead = leases({ pid: endedPid() }, 'dead-runner');
    const first = await dead.claim('t1');
    if (!first.ok) throw new Error(first.reason);
    const second = await leases().claim('t1');
    if (!second.ok) throw new Error(second.reason);
    expect(second.lease.generation).toBe(2);
    expect(second.tookOver?.reason).toMatch(/^its runner \(pid \d+ on .*\) has ended$/);
    // The superseded holder (had it been alive: another host whose renewals stopped) finds a newer generation.
    expect(await first.lease.renew()).toBe('lost');
    await first.lease.release();
    expect(readdirSync(folder()).sort()).toEqual(['lease.2']);
    await second.lease.release();
    expect(readdirSync(folder())).toEqual([]);
  });

  it('lets exactly one of many simultaneous claimers win', async () => {
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        leases({ host: `host-${index}` }, `runner-${index}`).claim('t1'),
      ),
    );
    expect(claims.filter((claim) => claim.ok)).toHaveLength(1);
    expect(readdirSync(folder())).toEqual(['lease.1']);
  });

  it('takes over a lease from another host only once it has not been renewed for a minute', async () => {
    const remote = await leases({ host: 'remote' }, 'remote-runner').claim('t1');
    if (!remote.ok) throw new Error(remote.reason);
    expect((await leases().claim('t1')).ok).toBe(false);
    const minuteAgo = (Date.now() - LEASE_STALE_MS - 5_000) / 1000;
    utimesSync(join(folder(), 'lease.1'), minuteAgo, minuteAgo);
    const inspected = await leases().inspect('t1');
    expect(inspected).toMatchObject({
      generation: 1,
      stale: true,
      reason: expect.stringMatching(/has not renewed/),
    });
    const local = await leases().claim('t1');
    expect(local).toMatchObject({ ok: true, tookOver: { owner: { host: 'remote' } } });
    if (local.ok) await local.lease.release();
    await remote.lease.release();
  });

  it('reaps the stale leases a killed runner left on a finished task, and keeps a live one', async () => {
    const dead = await leases({ pid: endedPid() }, 'dead').claim('t1');
    if (!dead.ok) throw new Error(dead.reason);
    await dead.lease.close();
    const live = await leases({}, 'live').claim('t2');
    if (!live.ok) throw new Error(live.reason);
    expect(await leases().reapStale('t1')).toBe(1);
    expect(await leases().reapStale('t2')).toBe(0);
    expect(await leases().reapStale('never-ran')).toBe(0);
    expect(readdirSync(folder())).toEqual([]);
    expect(readdirSync(join(workDir, 'runs/t2'))).toEqual(['lease.1']);
    await live.lease.release();
  });

  it('refuses a runs folder that is a link out of the work directory', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'tasks-outside-'));
    symlinkSync(outside, join(workDir, 'runs'));
    await expect(leases().claim('t1')).rejects.toThrow(/is a link or not a directory/);
    expect(readdirSync(outside)).toEqual([]);
  });
});
