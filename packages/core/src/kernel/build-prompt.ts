import type { ContextFile } from '@llm-service/spec';

const encoder = new TextEncoder();

/**
 * Puts each context file before the prompt as a `<context file="NAME">` block. Everything stays bytes: the prompt
 * and the files reach the tool exactly as they were read.
 */
export function buildPrompt(prompt: Uint8Array, context: readonly ContextFile[] = []): Uint8Array {
  if (context.length === 0) return prompt;
  const parts: Uint8Array[] = [];
  for (const file of context) {
    const name = file.name.replace(/[&"<>]/g, (character) => `&#${character.charCodeAt(0)};`);
    parts.push(encoder.encode(`<context file="${name}">\n`), file.content);
    const endsWithNewline = file.content.length > 0 && file.content[file.content.length - 1] === 0x0a;
    parts.push(encoder.encode(`${endsWithNewline ? '' : '\n'}</context>\n\n`));
  }
  parts.push(prompt);
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const result = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}
