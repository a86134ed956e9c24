import { distance } from 'fastest-levenshtein';

/** The closest known name, if it is close enough to be a plausible typo. */
export function closestMatch(input: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    const d = distance(input.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const tolerance = Math.max(2, Math.floor(input.length / 3));
  // A name that shares nothing with a short input ('x' and 'gh') is not a typo of it.
  return bestDistance <= tolerance && bestDistance < input.length ? best : undefined;
}

/** "did you mean 'claude'? Known tools: claude, codex" */
export function suggestName(input: string, known: readonly string[], noun: string): string {
  const match = closestMatch(input, known);
  const list = known.length > 0 ? `Known ${noun}: ${known.join(', ')}` : `No ${noun} are defined`;
  return match ? `did you mean '${match}'? ${list}` : list;
}
