/**
 * The closed set of argv placeholders. It is closed on purpose: an unknown name is almost always a typo, and a typo
 * that silently stayed literal would send `{{modle}}` to the tool as an argument.
 */
export const placeholderNames = [
  'model',
  'prompt',
  'prompt_file',
  'output_file',
  'agent',
  'task_type',
] as const;
export type PlaceholderName = (typeof placeholderNames)[number];

/** `{{name}}` with no braces inside; whitespace is not trimmed, so `{{ model }}` is reported rather than guessed. */
const placeholderSource = String.raw`\{\{([^{}]*)\}\}`;

/** A fresh global regex per use: a shared one would carry `lastIndex` between callers. */
export function placeholderPattern(): RegExp {
  return new RegExp(placeholderSource, 'g');
}

export function isPlaceholderName(name: string): name is PlaceholderName {
  return (placeholderNames as readonly string[]).includes(name);
}

/** The placeholder names used in one argv template element, in order, unknown ones included. */
export function placeholdersIn(arg: string): string[] {
  return [...arg.matchAll(placeholderPattern())].map((match) => match[1] ?? '');
}

/** Whether any element of the template uses the placeholder. */
export function templateUses(args: readonly string[], name: PlaceholderName): boolean {
  return args.some((arg) => placeholdersIn(arg).includes(name));
}

export function formatPlaceholder(name: string): string {
  return `{{${name}}}`;
}
