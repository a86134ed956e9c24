import { Observable, type AdapterEvent, type ToolAdapterV1, type ToolConfig } from '@llm-service/spec';

/**
 * The adapter as a plugin registers it: its code (detection, the run, the stream parser, failure classification)
 * loads when one of its tools is first detected or run, not with the plugin, so an `exec` that uses another adapter
 * pays nothing for it. `load` is the adapter's own `import()` of its implementation, so the bundler splits that
 * module off; it runs once.
 */
export function lazyAdapter<TTool extends ToolConfig, TOptions>(
  id: string,
  load: () => Promise<ToolAdapterV1<TTool, TOptions>>,
): ToolAdapterV1<TTool, TOptions> {
  let loading: Promise<ToolAdapterV1<TTool, TOptions>> | undefined;
  const adapter = () => {
    loading ??= load();
    return loading;
  };
  return {
    specificationVersion: 'v1',
    id,
    detect: async (tool, context) => (await adapter()).detect(tool, context),
    invoke: (request, signal) =>
      new Observable<AdapterEvent>((subscriber) => {
        let unsubscribed = false;
        let inner: { unsubscribe(): void } | undefined;
        adapter().then(
          (loaded) => {
            // Unsubscribed while loading: the run never starts, so nothing is spent.
            if (!unsubscribed) inner = loaded.invoke(request, signal).subscribe(subscriber);
          },
          (error: unknown) => subscriber.error(error),
        );
        return () => {
          unsubscribed = true;
          inner?.unsubscribe();
        };
      }),
  };
}
