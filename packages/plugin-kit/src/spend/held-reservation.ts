import type { Billing, HeldReservationV1 } from '@llm-service/spec';

/** A held reservation as a store's row holds it: its holder in columns, absent ones null. */
export interface HeldReservationRow {
  id: string;
  scopes: readonly string[];
  estimateUsd: number;
  billing: Billing;
  pid: number;
  host: string | null;
  namespace: string | null;
  startTime: string | null;
  createdAt: string;
  expiresAt: string;
  leaseUntil: string | null;
}

/**
 * The contract's shape of a held reservation, for every store alike: a row without a host was written before holders
 * were recorded, and has no holder.
 */
export function heldReservationFromRow(row: HeldReservationRow): HeldReservationV1 {
  return {
    id: row.id,
    scopes: row.scopes,
    estimateUsd: row.estimateUsd,
    billing: row.billing,
    pid: row.pid,
    holder:
      row.host === null
        ? null
        : {
            pid: row.pid,
            host: row.host,
            ...(row.namespace === null ? {} : { namespace: row.namespace }),
            ...(row.startTime === null ? {} : { startTime: row.startTime }),
          },
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    leaseUntil: row.leaseUntil,
  };
}
