import { describe, expect, it } from 'vitest';
import { startedServers } from './started-servers.js';

describe('startedServers', () => {
  it('closes what it started, once, in order', async () => {
    const closed: string[] = [];
    const servers = startedServers(async (name: string) => ({
      name,
      close: async () => void closed.push(name),
    }));
    expect((await servers.start('a')).name).toBe('a');
    await servers.start('b');
    await servers.closeAll();
    expect(closed).toEqual(['a', 'b']);
    await servers.closeAll();
    expect(closed).toEqual(['a', 'b']);
  });
});
