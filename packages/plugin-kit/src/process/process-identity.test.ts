import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { currentProcessIdentity, processLiveness, processStartTime } from './process-identity.js';

const linux = process.platform === 'linux';

describe('process identity', () => {
  it.runIf(linux)('records the PID namespace and start time on Linux, and knows a live process', () => {
    const self = currentProcessIdentity();
    expect(self.namespace).toMatch(/^pid:\[\d+\]$/);
    expect(self.startTime).toMatch(/^[\w-]+:\d+$/);
    expect(processStartTime(process.pid)).toBe(self.startTime);
    expect(processLiveness(self, self)).toBe('alive');
  });

  it.runIf(linux)('knows a process that ended is gone, and a reused pid for what it is', async () => {
    const observer = currentProcessIdentity();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10_000)'], { stdio: 'ignore' });
    const pid = child.pid!;
    const owner = { ...observer, pid, startTime: processStartTime(pid)! };
    expect(processLiveness(owner, observer)).toBe('alive');
    expect(processLiveness({ ...owner, startTime: 'boot:1' }, observer)).toBe('gone');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(processLiveness(owner, observer)).toBe('gone');
  });

  it('cannot tell for a process on another host or in another PID namespace', () => {
    const observer = { pid: 1, host: 'a', namespace: 'pid:[1]' };
    expect(processLiveness({ pid: 2, host: 'b', namespace: 'pid:[1]' }, observer)).toBe('unknown');
    expect(processLiveness({ pid: 2, host: 'a', namespace: 'pid:[2]' }, observer)).toBe('unknown');
  });
});
