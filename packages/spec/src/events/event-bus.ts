import { Subject } from 'rxjs';
import type { Subscription } from 'rxjs';
import type { EventOfType, LlmServiceEvent, LlmServiceEventType } from './events.js';

export type EventHandler<E> = (event: E) => void | Promise<void>;

/** Receives a subscriber's failure; the bus has already removed the subscriber. */
export type SubscriberFailureReporter = (subscriberName: string, error: unknown) => void;

export interface EventSubscription {
  unsubscribe(): void;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * The typed event bus. Every subscriber is wrapped: one that throws, or whose promise rejects, is reported once and
 * removed. rxjs would otherwise rethrow the error asynchronously and kill the process, so the raw subject is never
 * handed out.
 */
export class EventBus {
  readonly #subject = new Subject<LlmServiceEvent>();
  readonly #reportFailure: SubscriberFailureReporter;

  constructor(reportFailure: SubscriberFailureReporter) {
    this.#reportFailure = reportFailure;
  }

  emit(event: LlmServiceEvent): void {
    this.#subject.next(event);
  }

  /** All events, in emission order, delivered synchronously: slow work belongs in a queue the subscriber owns. */
  subscribe(name: string, handler: EventHandler<LlmServiceEvent>): EventSubscription {
    let failed = false;
    const subscription: Subscription = this.#subject.subscribe({
      // Called only on emit(), once `fail` and `subscription` exist: a Subject replays nothing on subscribe.
      next: (event) => {
        if (failed) return;
        try {
          const pending: unknown = handler(event);
          if (isThenable(pending)) pending.then(undefined, fail);
        } catch (error) {
          fail(error);
        }
      },
    });
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      subscription.unsubscribe();
      try {
        this.#reportFailure(name, error);
      } catch {
        // A reporter that throws (a closed stderr) must not make emit() throw, nor reject where nobody listens.
      }
    };
    return { unsubscribe: () => subscription.unsubscribe() };
  }

  on<T extends LlmServiceEventType>(
    type: T,
    name: string,
    handler: EventHandler<EventOfType<T>>,
  ): EventSubscription {
    return this.subscribe(name, (event) => {
      if (event.type === type) return handler(event as EventOfType<T>);
    });
  }

  complete(): void {
    this.#subject.complete();
  }
}
