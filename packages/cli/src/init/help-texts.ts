import { templates } from './templates.js';

export { templateNames } from './templates.js';

export const templateSummaries = `
Templates (pick one with --template; without it, a terminal gets a short wizard):
${templates.map((template) => `  ${template.name.padEnd(15)} ${template.summary}\n  ${' '.repeat(15)} pick it when ${template.pickWhen}`).join('\n')}

Existing files are never overwritten without --force (--missing-only writes the others). The directory is recorded as
trusted when init wrote all of it.`;

/** What \`plugins new --kind\` scaffolds. */
export const pluginKinds = ['adapter', 'policy', 'sink', 'command'] as const;

export const completionHelp = `
Install:
  bash  echo 'source <(llm-service completion bash)' >> ~/.bashrc
  zsh   llm-service completion zsh > "\${fpath[1]}/_llm-service"
  fish  llm-service completion fish > ~/.config/fish/completions/llm-service.fish
Agent names (--agent) and task types (--task-type) are completed from the config.`;
