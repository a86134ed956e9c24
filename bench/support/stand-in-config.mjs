import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const standIn = join(dirname(fileURLToPath(import.meta.url)), '../../examples/stand-in-llm/stand-in-llm.mjs');

/**
 * A config directory for benchmarks: one agent, `writer`, whose preferred tool is the stand-in LLM CLI (prompt on
 * stdin, text answer) on model `large` ($3/$15 per million tokens; `small` at $1/$5 is there for cheaper-model
 * selection). Telemetry records to `telemetry.db` in the directory (and `events.jsonl` with `jsonl: true`).
 */
export function standInConfig(dir, { toolEnv, jsonl = false, policiesYaml } = {}) {
  mkdirSync(dir, { recursive: true });
  const env = toolEnv ? `    env: ${JSON.stringify(toolEnv)}\n` : '';
  writeFileSync(
    join(dir, 'tools.yaml'),
    `version: 1\ntools:\n  stand-in:\n    adapter: generic-yaml\n    binary: ${JSON.stringify(standIn)}\n` +
      "    args: ['exec', '--model', '{{model}}', '-']\n    prompt_via: stdin\n    output: { format: text }\n" +
      `    models: [large, small]\n${env}`,
  );
  writeFileSync(
    join(dir, 'agents.yaml'),
    'version: 1\nagents:\n  writer:\n    preferred_tool: stand-in\n    preferred_model: large\n',
  );
  writeFileSync(
    join(dir, 'models.yaml'),
    'version: 1\nmodels:\n  large: { input_per_mtok: 3, output_per_mtok: 15 }\n  small: { input_per_mtok: 1, output_per_mtok: 5 }\n',
  );
  const dbPath = join(dir, 'telemetry.db');
  const jsonlPath = jsonl ? `, jsonl_path: ${JSON.stringify(join(dir, 'events.jsonl'))}` : '';
  writeFileSync(
    join(dir, 'llm-service.yaml'),
    `version: 1\ntelemetry: { db_path: ${JSON.stringify(dbPath)}${jsonlPath} }\n`,
  );
  if (policiesYaml) writeFileSync(join(dir, 'policies.yaml'), policiesYaml);
  return { dir, dbPath };
}
