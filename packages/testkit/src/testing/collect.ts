import type { EventBus, LlmServiceEvent } from '@llm-service/spec';

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

/** Structurally a kernel's logger (`KernelOptions.logger`), so the testkit needs no runtime. */
export interface TestLogger {
  warn(message: string): void;
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
