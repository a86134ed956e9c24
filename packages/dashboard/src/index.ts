import { definePlugin, type CommandV1, type PluginDefinition } from '@llm-service/spec';
import { moduleImporterKey } from '@llm-service/plugin-kit';
import type * as ServerModule from './server/index.js';

/**
 * Imports the server by package name, through the host's `import()` when it lends one: the CLI runs its bundle from
 * a V8 code cache, where Node 20 cannot run `import()` itself (see core's moduleImporterKey).
 */
function importServer(): Promise<typeof ServerModule> {
  const specifier = '@llm-service/dashboard/server';
  const lent = (globalThis as Record<symbol, unknown>)[moduleImporterKey];
  return (typeof lent === 'function' ? lent(specifier) : import(specifier)) as Promise<typeof ServerModule>;
}

export type {
  DashboardEvent,
  DashboardSnapshot,
  InvocationRow,
  SpendPoint,
  SpendSnapshot,
  TaskCard,
  TaskColumn,
} from './model.js';
export { TASK_COLUMNS, TASK_PRIORITIES } from './model.js';

/**
 * `dashboard`: declared here, with no server code, so loading the plugin costs nothing on `exec`. The server is
 * imported by package name when the command runs: a distribution that bundles this plugin still loads the server,
 * its libraries and the page's assets from the installed package.
 */
export const dashboardCommand: CommandV1 = {
  specificationVersion: 'v1',
  name: 'dashboard',
  summary: 'serve a live page of invocations, spend against budgets and the task board on this machine',
  options: [
    { flags: '--port <port>', description: 'port to listen on (0 picks a free one)', defaultValue: '4317' },
    {
      flags: '--host <host>',
      description: 'address to bind; anything but loopback exposes the page (the token still guards it)',
      defaultValue: '127.0.0.1',
    },
    {
      flags: '--work-dir <dir>',
      description:
        "the task board's directory, relative to the config directory (default: tasks.work_dir, else work/collaboration)",
    },
    { flags: '--token <token>', description: 'the access token (default: a new random one each run)' },
    {
      flags: '--all-projects',
      description: "show every project's invocations and spend (default: the config's project only)",
    },
    { flags: '--open', description: 'open the page in the default browser' },
  ],
  async run(input) {
    const { runDashboard } = await importServer();
    return runDashboard(input);
  },
};

const plugin: PluginDefinition = definePlugin({
  name: '@llm-service/dashboard',
  version: '0.1.0',
  // The board reads TaskStoreToken (plugin API 1.5); the 1.6 additions to the store are used when present.
  apiVersion: '^1.5.0',
  commands: [dashboardCommand],
  register() {
    // Nothing runs until `dashboard` does: the command reads telemetry, budgets and tasks through the kernel's
    // services.
  },
});

export default plugin;
