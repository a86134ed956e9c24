/** One server-sent event as the Anthropic and Responses APIs frame it: an `event:` line naming its data's `type`. */
export function typedSseEvent(data: { type: string } & Record<string, unknown>): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** One server-sent event with only a `data:` line, as Gemini (CRLF) and Chat Completions (LF) frame theirs. */
export function sseData(payload: unknown, lineEnd: '\n' | '\r\n' = '\n'): string {
  return `data: ${JSON.stringify(payload)}${lineEnd}${lineEnd}`;
}
