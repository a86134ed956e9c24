import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import type { main } from './main.js';

type MainFunction = typeof main;
/** What main.cjs exports (see main.ts). */
interface MainExports {
  main: MainFunction;
  compileCacheShouldWait(): boolean;
}

export interface LoadedMain {
  main: MainFunction;
  /** Stores V8's compiled code for the next start, if this start had none that V8 accepted. */
  saveCache(): void;
}

function cacheDirectory(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'llm-service', 'compile-cache');
}

/**
 * Loads the CLI bundle with a V8 code cache. Node 20 has no module compile cache (`module.enableCompileCache` came in
 * 22.1), and compiling the bundle was the largest single cost of an `exec` start. The cache is written after a
 * command ran, so it also holds the functions that ran (parsing config, spawning the tool), not only the top level.
 * One cache per command (`identity` says which), so that `exec`'s holds what `exec` runs and not what another command
 * compiled first. V8 checks the cache against the source and its own version and flags, and rejects a stale one; any
 * problem here falls back to a plain `require`. Node 20 cannot run `import()` inside a script compiled from cached
 * data, so the bundle must not use it: plugins are imported through the importer bin.js lends (see core's
 * moduleImporterKey).
 */
export function loadMain(bundlePath: string, identity: string): LoadedMain {
  const require = createRequire(bundlePath);
  const plain = (): LoadedMain => ({
    main: (require(bundlePath) as MainExports).main,
    saveCache: () => undefined,
  });
  if (process.env.LLM_SERVICE_DEBUG) {
    // The bundle is minified: a debugging run's stack traces go through its source map, which Node applies only to
    // code its own loader compiled, not to a script compiled from a code cache.
    process.setSourceMapsEnabled(true);
    return plain();
  }
  if (process.env.LLM_SERVICE_NO_COMPILE_CACHE || !vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER)
    return plain();

  const cacheFile = join(cacheDirectory(process.env), `${identity}-${process.version}-${process.arch}.bin`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  let script: vm.Script;
  let exports: MainExports;
  try {
    const source = readFileSync(bundlePath, 'utf8');
    script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
      filename: bundlePath,
      ...(cachedData ? { cachedData } : {}),
    });
    const module = { exports: {} as MainExports };
    (script.runInThisContext() as (...args: unknown[]) => void)(
      module.exports,
      require,
      module,
      bundlePath,
      dirname(bundlePath),
    );
    exports = module.exports;
  } catch {
    return plain();
  }
  const needsWrite = cachedData === undefined || script.cachedDataRejected === true;
  return {
    main: exports.main,
    saveCache: () => {
      if (!needsWrite || exports.compileCacheShouldWait()) return;
      try {
        mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
        const temporary = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
        renameSync(temporary, cacheFile);
      } catch {
        // A read-only or full disk only costs speed.
      }
    },
  };
}
