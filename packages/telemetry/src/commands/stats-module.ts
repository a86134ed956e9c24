/** What the benchmark and embedders use to build and print a stats report without the CLI. */
export { statsForDatabase, statsForStore } from './run-stats.js';
export { renderStats } from './render-stats.js';
export { pruneStore } from './run-prune.js';
