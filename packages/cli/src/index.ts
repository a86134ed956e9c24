export { main, processIo } from './main.js';
export { createProgram, type CliContext, type CliIo } from './program.js';
export { builtinPlugins } from './builtin-plugins.js';
export { toJsonResult } from './commands/exec.js';
