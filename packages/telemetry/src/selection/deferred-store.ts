import type {
  AttemptWriteV1,
  HeldReservationV1,
  InvocationFilter,
  PlanWindowObservation,
  PruneRequestV1,
  ReservationHolderV1,
  SpendQueryV1,
  StoreAggregateRequestV1,
  StoreReserveRequestV1,
  TelemetryStoreV1,
  ToolHoldV1,
} from '@llm-service/spec';

/**
 * A store plugin's store, looked up on first use: plugins register in the order the configuration lists them, so the
 * provider of `telemetry.store` may register after the telemetry plugin. Every call waits for the lookup; a
 * lookup that fails (no such provider) fails each call with the same error.
 */
export class DeferredStore implements TelemetryStoreV1 {
  readonly specificationVersion = 'v1' as const;
  readonly kind: string;
  /** The URL without its password, until the store (which may say it better) is open. */
  readonly #location: string;
  readonly #open: () => TelemetryStoreV1;
  #store: TelemetryStoreV1 | undefined;

  constructor(kind: string, location: string, open: () => TelemetryStoreV1) {
    this.kind = kind;
    this.#location = location;
    this.#open = open;
  }

  get location(): string {
    return this.#store?.location ?? this.#location;
  }

  #resolved(): TelemetryStoreV1 {
    this.#store ??= this.#open();
    return this.#store;
  }

  async #call<T>(use: (store: TelemetryStoreV1) => Promise<T>): Promise<T> {
    return use(this.#resolved());
  }

  write(batch: readonly AttemptWriteV1[]) {
    return this.#call((store) => store.write(batch));
  }
  promptKey() {
    return this.#call((store) => store.promptKey());
  }
  spent(query: SpendQueryV1) {
    return this.#call((store) => store.spent(query));
  }
  reserve(request: StoreReserveRequestV1) {
    return this.#call((store) => store.reserve(request));
  }
  closeReservation(
    id: string,
    outcome: { status: 'settled' | 'released'; actualUsd: number | null; at: Date },
  ) {
    return this.#call((store) => store.closeReservation(id, outcome));
  }
  renewLeases(holder: ReservationHolderV1, leaseUntil: Date) {
    return this.#call((store) => store.renewLeases(holder, leaseUntil));
  }
  heldReservations(isExpired: (held: HeldReservationV1) => boolean, now: Date) {
    return this.#call((store) => store.heldReservations(isExpired, now));
  }
  invocations(filter: InvocationFilter, order?: 'asc' | 'desc') {
    return this.#call((store) => store.invocations(filter, order));
  }
  span(filter: InvocationFilter) {
    return this.#call((store) => store.span(filter));
  }
  aggregate(request: StoreAggregateRequestV1) {
    return this.#call((store) => store.aggregate(request));
  }
  savings(filter: InvocationFilter, by?: 'reason' | 'agent') {
    return this.#call((store) => store.savings(filter, by));
  }
  latency(filter: InvocationFilter) {
    return this.#call((store) => store.latency(filter));
  }
  costCheck(filter: InvocationFilter) {
    return this.#call((store) => store.costCheck(filter));
  }
  count() {
    return this.#call((store) => store.count());
  }
  exportAttempts(after: { invocationId: string; attempt: number } | undefined, limit: number) {
    return this.#call((store) => store.exportAttempts(after, limit));
  }
  recordObservation(observation: PlanWindowObservation) {
    return this.#call((store) => store.recordObservation(observation));
  }
  latestObservations(options?: { tool?: string }) {
    return this.#call((store) => store.latestObservations(options));
  }
  observationHistory(options?: { tool?: string; window?: string; since?: Date; limit?: number }) {
    return this.#call((store) => store.observationHistory(options));
  }
  hold(hold: ToolHoldV1) {
    return this.#call((store) => store.hold(hold));
  }
  heldUntil(tool: string, now: Date) {
    return this.#call((store) => store.heldUntil(tool, now));
  }
  prune(request: PruneRequestV1) {
    return this.#call((store) => store.prune(request));
  }
  schema() {
    return this.#call((store) => store.schema());
  }
  watch(onChange: () => void): () => void {
    const store = this.#resolved();
    if (store.watch) return store.watch(onChange);
    const timer = setInterval(onChange, 2_000);
    timer.unref();
    return () => clearInterval(timer);
  }
  async close(): Promise<void> {
    await this.#store?.close();
  }
}
