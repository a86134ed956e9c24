/**
 * Where a host may lend its own `import()`: the CLI runs its bundle through a V8 code cache, and Node 20 cannot run a
 * dynamic import from a script compiled with cached data ("A dynamic import callback was not specified").
 */
export const moduleImporterKey = Symbol.for('llm-service.import-module.v1');

/** `import(specifier)`, through the host's lent importer when there is one. */
export function importModule(specifier: string): Promise<unknown> {
  const lent = (globalThis as Record<symbol, unknown>)[moduleImporterKey];
  return typeof lent === 'function'
    ? (lent as (specifier: string) => Promise<unknown>)(specifier)
    : import(specifier);
}
