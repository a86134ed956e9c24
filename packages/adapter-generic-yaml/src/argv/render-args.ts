import { isPlaceholderName, placeholderPattern, type PlaceholderName } from '../config/placeholders.js';

export type PlaceholderValues = Readonly<Partial<Record<PlaceholderName, string>>>;

/**
 * Fills an argv template. Each template element becomes exactly one argument (nothing is split on spaces and no
 * shell ever sees it), and substitution is a single literal pass: a value that itself contains `{{model}}` is not
 * expanded again, so a prompt cannot inject arguments or placeholders.
 */
export function renderArgs(template: readonly string[], values: PlaceholderValues): string[] {
  return template.map((arg) =>
    // A replacer function, not a replacement string, so `$&` and friends in a value stay literal too.
    arg.replace(placeholderPattern(), (whole: string, name: string) => {
      if (!isPlaceholderName(name)) {
        throw new RangeError(`unknown placeholder '${whole}' (the tool's config should have been rejected)`);
      }
      const value = values[name];
      if (value === undefined) {
        throw new RangeError(`placeholder '${whole}' has no value for this prompt delivery or output source`);
      }
      return value;
    }),
  );
}
