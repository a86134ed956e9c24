import { createHmac, randomBytes } from 'node:crypto';

/** A new per-database secret for keyed prompt hashes (32 random bytes, hex). */
export function newPromptHashSecret(): string {
  return randomBytes(32).toString('hex');
}

/**
 * Keys the plain SHA-256 the events carry with the database's own secret (HMAC-SHA256), so a short prompt cannot be
 * recovered by hashing guesses, while equal prompts still match within one database.
 */
export class PromptHasher {
  readonly #key: Buffer;
  #lastInput = '';
  #lastOutput = '';

  constructor(secretHex: string) {
    this.#key = Buffer.from(secretHex, 'hex');
  }

  hash(promptSha256: string): string {
    if (promptSha256 === '') return '';
    // Consecutive attempts of one invocation share a prompt: hash it once.
    if (promptSha256 === this.#lastInput) return this.#lastOutput;
    const keyed = createHmac('sha256', this.#key).update(promptSha256).digest('hex');
    this.#lastInput = promptSha256;
    this.#lastOutput = keyed;
    return keyed;
  }
}

/** The prompt's size in tokens, estimated from its bytes (about four bytes a token for English and code). */
export function estimatePromptTokens(promptBytes: number): number {
  return Math.ceil(promptBytes / 4);
}
