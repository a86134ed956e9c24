import { formatPlaceholder, placeholdersIn, templateUses, type PlaceholderName } from './placeholders.js';

/** The fields the cross-field checks read; structural so it also fits a parsed tools.yaml entry. */
export interface CrossFieldInput {
  args: readonly string[];
  prompt_via: 'stdin' | 'arg' | 'file';
  output: { source: 'stdout' | 'file' };
}

export interface CrossFieldProblem {
  /** Relative to the tool entry, e.g. `['args', 2]`. */
  path: readonly (string | number)[];
  message: string;
  suggestion: string;
}

interface Requirement {
  placeholder: PlaceholderName;
  /** The setting that gives the placeholder a value, as the user writes it. */
  setting: string;
  settingPath: readonly string[];
  chosen: boolean;
  current: string;
  /** What the tool would lack if the setting were chosen without the placeholder. */
  lacks: string;
}

/**
 * Checks that need several keys at once: a placeholder only has a value when its delivery mode is chosen, and a
 * delivery mode without its placeholder would hand the tool nothing. Kept apart from the zod schema because core
 * merges adapter schemas by shape, which drops object-level refinements; the plugin's `check` runs these too.
 */
export function crossFieldProblems(settings: CrossFieldInput): CrossFieldProblem[] {
  const requirements: readonly Requirement[] = [
    {
      placeholder: 'prompt',
      setting: 'prompt_via: arg',
      settingPath: ['prompt_via'],
      chosen: settings.prompt_via === 'arg',
      current: `prompt_via is ${settings.prompt_via}`,
      lacks: 'the prompt',
    },
    {
      placeholder: 'prompt_file',
      setting: 'prompt_via: file',
      settingPath: ['prompt_via'],
      chosen: settings.prompt_via === 'file',
      current: `prompt_via is ${settings.prompt_via}`,
      lacks: 'the prompt',
    },
    {
      placeholder: 'output_file',
      setting: 'output.source: file',
      settingPath: ['output', 'source'],
      chosen: settings.output.source === 'file',
      current: `output.source is ${settings.output.source}`,
      lacks: 'where to write its answer',
    },
  ];
  const problems: CrossFieldProblem[] = [];
  for (const requirement of requirements) {
    const placeholder = formatPlaceholder(requirement.placeholder);
    if (requirement.chosen) {
      if (templateUses(settings.args, requirement.placeholder)) continue;
      problems.push({
        path: requirement.settingPath,
        message: `${requirement.setting} needs a '${placeholder}' placeholder in args, or the tool never learns ${requirement.lacks}`,
        suggestion: `add "${placeholder}" to args (alone or inside an element, e.g. "--flag=${placeholder}")`,
      });
      continue;
    }
    settings.args.forEach((arg, index) => {
      if (!placeholdersIn(arg).includes(requirement.placeholder)) return;
      problems.push({
        path: ['args', index],
        message: `'${placeholder}' needs ${requirement.setting} (${requirement.current})`,
        suggestion: `set ${requirement.setting}, or remove the placeholder`,
      });
    });
  }
  return problems;
}
