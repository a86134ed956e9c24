import { randomUUID } from 'node:crypto';
import type { CommandInput } from '@llm-service/spec';
import { currentProcessIdentity } from '@llm-service/plugin-kit';
import { resolveTaskSettings } from '../settings.js';
import { FileTaskStore } from '../store/task-store.js';
import { Leases } from './lease.js';
import { checkAgents, loadRunnerSettings, parseRunOptions } from './options.js';
import { createReporter } from './progress.js';
import { TaskRunner } from './runner.js';

/**
 * `llm-service tasks run`: runs the assigned tasks of the work directory through the kernel (see docs/tasks.md,
 * "Running tasks"). Exit codes: 0 every task it took is done (or there was nothing to run); 1 a task failed (or its
 * lease was taken over); 2 a usage or configuration error (nothing ran); 3 a task was blocked by a policy and none
 * failed; 130 / 143 interrupted by SIGINT / SIGTERM (running tasks put back to `assigned`).
 */
export async function runTasks(input: CommandInput): Promise<number> {
  const options = parseRunOptions(input.options);
  const kernel = await input.kernel();
  const config = await kernel.config();
  checkAgents(options.agents, config);
  const taskSettings = resolveTaskSettings(
    config,
    options.workDir === undefined ? {} : { workDir: options.workDir },
  );
  const settings = loadRunnerSettings(config, taskSettings);
  // The runner emits the task events itself (with the chain, the hand-off's parent and why a task was put back), so
  // its store emits none.
  const store = new FileTaskStore({
    workDir: taskSettings.workDir,
    projectDir: taskSettings.projectDir,
    agents: Object.keys(config.agents),
  });
  const identity = currentProcessIdentity();
  const reporter = createReporter(
    {
      stdout: input.io.stdout,
      stderr: input.io.stderr,
      interactive: input.io.interactive,
      color: input.io.interactive && !process.env.NO_COLOR,
    },
    options.json,
  );
  const runner = new TaskRunner({
    kernel,
    store,
    config,
    settings,
    options,
    reporter,
    leases: new Leases({ workDir: store.workDir, identity, runner: randomUUID() }),
    env: process.env,
    runnerName: `pid ${identity.pid} on ${identity.host}`,
  });
  if (options.dryRun) {
    try {
      return await runner.dryRun();
    } finally {
      reporter.close();
    }
  }
  let interrupted = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second Ctrl-C does not wait for the tasks to be put back: the next run recovers them (their runner is gone).
    if (interrupted !== 0) process.exit(interrupted);
    interrupted = signal === 'SIGTERM' ? 143 : 130;
    runner.interrupt(interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await runner.run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    reporter.close();
  }
}
