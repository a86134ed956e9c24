/**
 * The 95th percentile of `values` (an SQL expression that is NULL for rows that do not count, such as failed
 * attempts) by the nearest-rank method, as one expression over aggregates: usable in any aggregate query, in the
 * same pass as its other columns.
 *
 * Nearest rank: of the n values that count, sorted ascending, the ceil(0.95 × n)-th, that is the (n − ⌊n/20⌋)-th
 * (zero-based position n − 1 − ⌊n/20⌋). Always a value actually observed; for n ≤ 19 the largest, for 20 ≤ n ≤ 39
 * the second largest. NULL when no value counts.
 *
 * SQLite's `percentile_disc(Y, f)` returns the value at zero-based position ⌊f × (n − 1)⌋ of the ascending sort, and
 * no one f gives n − 1 − ⌊n/20⌋ for every n (n = 3 needs f ≥ 1, n = 100 needs f < 0.96). Two fractions do, one for
 * each kind of n:
 *
 * - n = 20k + j with 1 ≤ j ≤ 19: on the negated values (the latencies in descending order), f = 0.05 gives position
 *   ⌊0.05 × (20k + j − 1)⌋ = ⌊k + 0.05 × (j − 1)⌋ = k from the top, which is n − 1 − k = n − 1 − ⌊n/20⌋ from the
 *   bottom. (j = 1 lands on k exactly: the double 0.05 is slightly above 0.05, so the product never rounds below k.)
 * - n = 20k: f = 0.95 on the values gives ⌊0.95 × (20k − 1)⌋ = ⌊19k − 0.95⌋ = 19k − 1 = n − 1 − ⌊n/20⌋.
 *
 * Both aggregates are computed (SQLite evaluates every aggregate of a row) and `COUNT` picks one; SQLite holds the
 * values of each as doubles, exact for any latency in milliseconds. percentile.test.ts checks it against a sort for
 * every n up to 400 and more (and a run of every n up to 3,000 and n up to two million agreed too).
 */
export function p95Sql(values: string): string {
  return `CASE WHEN COUNT(${values}) % 20 = 0 THEN percentile_disc(${values}, 0.95)
    ELSE -percentile_disc(-(${values}), 0.05) END`;
}
