import { estimateTokens, o200kCounter, type TokenCounter, type TokenEstimate } from './estimate.js';

/**
 * The token estimate of each prompt, computed once per prompt however many policies and candidates ask (budgets
 * price every candidate, cost optimisation compares with its threshold). Keyed by the prompt's bytes object, which
 * the kernel keeps for the whole request.
 */
export class PromptTokens {
  readonly #counter: () => TokenCounter | Promise<TokenCounter>;
  readonly #estimates = new WeakMap<Uint8Array, Promise<TokenEstimate>>();

  constructor(counter: () => TokenCounter | Promise<TokenCounter> = o200kCounter) {
    this.#counter = counter;
  }

  estimate(prompt: Uint8Array): Promise<TokenEstimate> {
    let estimate = this.#estimates.get(prompt);
    if (!estimate) {
      estimate = estimateTokens(prompt, this.#counter);
      this.#estimates.set(prompt, estimate);
    }
    return estimate;
  }
}
