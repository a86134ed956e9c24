/** Never finishes: no response at all, or the headers and a first event and then nothing. */
export interface ScriptedStall {
  kind: 'stall';
  afterHeaders: boolean;
}

export function stallReply(options: { afterHeaders?: boolean } = {}): ScriptedStall {
  return { kind: 'stall', afterHeaders: options.afterHeaders ?? false };
}

/** A streamed answer's text, cut into the chunks it is sent in. */
export interface PacedAnswer {
  kind: 'answer';
  chunks: readonly string[];
  /** Wait between chunks, to make an answer arrive slowly. */
  chunkDelayMs: number;
  /**
   * Stop after this many chunks until `release()` is called: a test can then check what reached the far end while
   * the answer is provably still being produced, without relying on wall-clock timing.
   */
  holdAfterChunk?: number;
}

/** What a test may leave out when it scripts an answer. */
export type AnswerOptions<Answer extends PacedAnswer, UsageOption> = Partial<
  Omit<Answer, 'kind' | 'chunks' | 'usage'>
> & { usage?: UsageOption };

/** An answer with what the test left out filled in: no delay, and `usage` as the API's builder settled it. */
export function pacedAnswer<Usage, Rest extends { chunkDelayMs?: number | undefined }>(
  chunks: readonly string[],
  usage: Usage,
  options: Rest,
): Omit<Rest, 'chunkDelayMs'> & { kind: 'answer'; chunks: string[]; usage: Usage; chunkDelayMs: number } {
  const { chunkDelayMs, ...rest } = options;
  return { kind: 'answer', chunks: [...chunks], usage, chunkDelayMs: chunkDelayMs ?? 0, ...rest };
}
