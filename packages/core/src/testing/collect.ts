import type { EventBus } from '../events/event-bus.js';
import type { LlmServiceEvent } from '../events/events.js';
import type { KernelLogger } from '../kernel/kernel.js';

/**
 * Every event the kernel (or any holder of an event bus) emits from now on, in order. The array fills as events
 * arrive, since the bus delivers synchronously, so a test can inspect it right after `exec` settles.
 */
export function collectEvents(source: { events: Pick<EventBus, 'subscribe'> }): LlmServiceEvent[] {
  const events: LlmServiceEvent[] = [];
  source.events.subscribe('collectEvents', (event) => {
    events.push(event);
  });
  return events;
}

export interface TestLogger extends KernelLogger {
  readonly warnings: string[];
  readonly debugs: string[];
  debug(message: string): void;
}

/** A kernel logger that records instead of writing to stderr, so tests can assert on warnings. */
export function createTestLogger(): TestLogger {
  const warnings: string[] = [];
  const debugs: string[] = [];
  return {
    warnings,
    debugs,
    warn: (message) => void warnings.push(message),
    debug: (message) => void debugs.push(message),
  };
}
