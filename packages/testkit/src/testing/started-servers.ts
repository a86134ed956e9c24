/** What `startedServers` hands a test: its `start`, and `closeAll` for `afterEach`. */
export interface StartedServers<Args extends unknown[], Server> {
  start: (...args: Args) => Promise<Server>;
  /** Closes every server `start` started since the last call, stalled ones included, in the order they started. */
  closeAll: () => Promise<void>;
}

/**
 * Wraps a test server's `start` so that the servers a test starts are closed after it, whatever its outcome: a
 * stalled answer would otherwise keep its connection, and the test file, open. Free of any test framework: call
 * `closeAll` from the framework's after-each hook.
 */
export function startedServers<Args extends unknown[], Server extends { close(): Promise<void> }>(
  start: (...args: Args) => Promise<Server>,
): StartedServers<Args, Server> {
  const servers: Server[] = [];
  return {
    start: async (...args) => {
      const server = await start(...args);
      servers.push(server);
      return server;
    },
    closeAll: async () => {
      for (const server of servers.splice(0)) await server.close();
    },
  };
}
