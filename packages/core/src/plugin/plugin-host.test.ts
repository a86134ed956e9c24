import 'reflect-metadata';
import { Observable } from 'rxjs';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import {
  type ToolAdapterV1,
  type TelemetrySinkV1,
  type ResolvedConfig,
  EventBus,
  definePlugin,
  PLUGIN_API_VERSION,
  type PluginDefinition,
  serviceToken,
  SpendLedgerToken,
  type ServiceToken,
} from '@llm-service/spec';
import { orderByDependencies, PluginHost } from './plugin-host.js';

const config: ResolvedConfig = {
  dir: '/config',
  source: 'flag',
  project: 'default',
  agents: {},
  tools: {},
  models: {},
  settings: { version: 1, plugins: [] },
  files: {},
};

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

function newHost(reports: string[] = []) {
  const events = new EventBus((name) => reports.push(name));
  return { host: new PluginHost(rootContainer.createChildContainer(), events, () => silentLogger), events };
}

function plugin(name: string, fields: Partial<PluginDefinition> = {}): PluginDefinition {
  return definePlugin({ name, version: '1.0.0', apiVersion: '^1.0.0', register() {}, ...fields });
}

function adapter(id: string): ToolAdapterV1 {
  return {
    specificationVersion: 'v1',
    id,
    detect: () => Promise.resolve({ installed: true }),
    invoke: () => new Observable(),
  };
}

/** The error a promise rejects with (fails if it resolves). */
async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; exitCode?: number; plugin?: string; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

interface Greeter {
  greet(): string;
}
const GreeterToken = serviceToken<Greeter>('test-greeter', 1);

describe('plugin ordering', () => {
  it('registers providers before the plugins that require their services, whatever the listed order', async () => {
    const order: string[] = [];
    const consumer = plugin('consumer', {
      requires: [GreeterToken],
      register: (context) => {
        order.push('consumer');
        expect(context.services.require(GreeterToken).greet()).toBe('hello');
      },
    });
    const provider = plugin('provider', {
      provides: [GreeterToken],
      register: (context) => {
        order.push('provider');
        context.services.provide(GreeterToken, { greet: () => 'hello' });
      },
    });
    const independent = plugin('independent', { register: () => void order.push('independent') });
    expect(orderByDependencies([consumer, independent, provider]).map((p) => p.name)).toEqual([
      'provider',
      'consumer',
      'independent',
    ]);
    const { host } = newHost();
    await host.register([consumer, independent, provider], config);
    expect(order).toEqual(['provider', 'consumer', 'independent']);
  });

  it('names the plugin and the token when no plugin provides a required service', async () => {
    const { host } = newHost();
    const error = await rejection(
      host.register([plugin('@acme/policy', { requires: [SpendLedgerToken] })], config),
    );
    expect(error.code).toBe('E_PLUGIN');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'plugin @acme/policy: requires llm-service.spend-ledger.v1, which no loaded plugin provides',
    );
    expect(error.hint).toContain('llm-service.yaml');
  });

  it('reports a circular service dependency with its trail', () => {
    const a = serviceToken('a', 1);
    const b = serviceToken('b', 1);
    expect(() =>
      orderByDependencies([
        plugin('one', { provides: [a], requires: [b] }),
        plugin('two', { provides: [b], requires: [a] }),
      ]),
    ).toThrow('plugin one: has a circular service dependency: one -> two -> one');
  });

  it('refuses two plugins providing the same service, naming both', () => {
    expect(() =>
      orderByDependencies([
        plugin('first', { provides: [GreeterToken] }),
        plugin('second', { provides: [GreeterToken] }),
      ]),
    ).toThrow('plugin second: provides llm-service.test-greeter.v1, which first already provides');
  });
});

describe('plugin API version', () => {
  it('is 1.13.0 in this core: 1.13 lets a cost estimator see the answer while the tool streams it', () => {
    expect(PLUGIN_API_VERSION).toBe('1.13.0');
  });

  it('refuses a plugin written for another API, in one line naming it', async () => {
    const { host } = newHost();
    let registered = false;
    const future = plugin('@acme/future-adapter', {
      apiVersion: '^2.0.0',
      register: () => void (registered = true),
    });
    const error = await rejection(host.register([plugin('fine'), future], config));
    expect(error.code).toBe('E_PLUGIN');
    expect(error.message).toBe(
      'plugin @acme/future-adapter: needs plugin API ^2.0.0, but this core provides 1.13.0',
    );
    expect(error.message).not.toContain('\n');
    expect(registered).toBe(false);
  });

  it('refuses an apiVersion that is not a semver range, before registering any plugin', async () => {
    const { host } = newHost();
    let registered = false;
    const fine = plugin('fine', { register: () => void (registered = true) });
    const error = await rejection(host.register([fine, plugin('sloppy', { apiVersion: 'latest' })], config));
    expect(error.message).toBe("plugin sloppy: has an invalid apiVersion 'latest'");
    expect(registered).toBe(false);
  });
});

describe('registration', () => {
  it('adapts a V1 policy to the lifecycle (it evaluates and holds nothing), keeps a V2 policy as it is, refuses others', async () => {
    const { host } = newHost();
    const v2 = {
      specificationVersion: 'v2' as const,
      id: 'v2',
      evaluate: () => ({ action: 'allow' as const }),
      reserve: () => ({ action: 'hold' as const, hold: 'h' }),
    };
    await host.register(
      [
        plugin('@acme/policies', {
          register: (context) => {
            context.policies.add({
              specificationVersion: 'v1',
              id: 'v1',
              evaluate: () => ({ action: 'warn', message: 'from v1' }),
            });
            context.policies.add(v2);
          },
        }),
      ],
      config,
    );
    const [adapted, kept] = host.policies;
    expect(adapted).toMatchObject({ specificationVersion: 'v2', id: 'v1' });
    expect(adapted?.reserve).toBeUndefined();
    const candidate = { tool: 't', model: 'm', reason: 'preferred' as const };
    expect(await adapted?.evaluate(candidate, {} as never)).toEqual({ action: 'warn', message: 'from v1' });
    expect(kept).toBe(v2);

    const error = await rejection(
      newHost().host.register(
        [
          plugin('@acme/future', {
            register: (context) =>
              context.policies.add({
                specificationVersion: 'v9',
                id: 'x',
                evaluate: () => ({ action: 'allow' }),
              } as never),
          }),
        ],
        config,
      ),
    );
    expect(error.message).toBe(
      "plugin @acme/future: registers policy 'x' with specification v9; this core runs v1 and v2",
    );
  });

  it('a plugin that throws in register gives a one-line error naming it, with the original as cause', async () => {
    const { host } = newHost();
    const original = new Error('cannot open telemetry.db\n    at somewhere (file.js:1:1)');
    const error = await rejection(
      host.register(
        [
          plugin('@acme/broken', {
            register: () => {
              throw original;
            },
          }),
        ],
        config,
      ),
    );
    expect(error.message).toBe('plugin @acme/broken: failed while registering: cannot open telemetry.db');
    expect(error.cause).toBe(original);
  });

  it('an async register that rejects with a non-error value is named too', async () => {
    const { host } = newHost();
    const error = await rejection(
      host.register([plugin('odd', { register: () => Promise.reject(null) })], config),
    );
    expect(error.message).toBe('plugin odd: failed while registering: null');
  });

  it('a duplicate adapter id names both plugins', async () => {
    const { host } = newHost();
    const error = await rejection(
      host.register(
        [
          plugin('@llm-service/adapter-claude', {
            register: (context) => context.adapters.add(adapter('claude')),
          }),
          plugin('@acme/claude-fork', { register: (context) => context.adapters.add(adapter('claude')) }),
        ],
        config,
      ),
    );
    expect(error.message).toBe(
      "plugin @acme/claude-fork: registers adapter 'claude', which @llm-service/adapter-claude already registered",
    );
  });

  it('refuses an adapter of another specification version', async () => {
    const { host } = newHost();
    const v2 = { ...adapter('next'), specificationVersion: 'v2' } as unknown as ToolAdapterV1;
    const error = await rejection(
      host.register([plugin('next-gen', { register: (context) => context.adapters.add(v2) })], config),
    );
    expect(error.message).toBe(
      "plugin next-gen: registers adapter 'next' with specification v2; this core runs v1",
    );
  });

  it('refuses providing an undeclared service, and declaring one without providing it', async () => {
    const undeclared = await rejection(
      newHost().host.register(
        [
          plugin('sneaky', {
            register: (context) => context.services.provide(GreeterToken, { greet: () => '' }),
          }),
        ],
        config,
      ),
    );
    expect(undeclared.message).toBe(
      'plugin sneaky: provides llm-service.test-greeter.v1 without declaring it in provides',
    );
    const lazy = await rejection(
      newHost().host.register([plugin('lazy', { provides: [GreeterToken] })], config),
    );
    expect(lazy.message).toBe(
      'plugin lazy: declares that it provides llm-service.test-greeter.v1 but did not provide it',
    );
  });

  it('gives each plugin its own child container and shares only provided services', async () => {
    const kernelContainer = rootContainer.createChildContainer();
    const host = new PluginHost(kernelContainer, new EventBus(() => {}), () => silentLogger);
    const containers: unknown[] = [];
    const privateToken = Symbol('private');
    let factoryCalls = 0;
    await host.register(
      [
        plugin('a', {
          provides: [GreeterToken],
          register: (context) => {
            containers.push(context.container);
            context.container.registerInstance(privateToken, 'mine');
            context.services.provideFactory(GreeterToken, () => {
              factoryCalls++;
              return { greet: () => 'lazy hello' };
            });
          },
        }),
        plugin('b', {
          requires: [GreeterToken],
          register: (context) => {
            containers.push(context.container);
            expect(context.container.isRegistered(privateToken, true)).toBe(false);
            expect(context.services.has(GreeterToken)).toBe(true);
            expect(context.services.require(GreeterToken).greet()).toBe('lazy hello');
            expect(context.services.require(GreeterToken).greet()).toBe('lazy hello');
          },
        }),
      ],
      config,
    );
    expect(containers[0]).not.toBe(containers[1]);
    expect(containers[0]).not.toBe(kernelContainer);
    expect(factoryCalls).toBe(1);
    expect(kernelContainer.resolve<Greeter>(GreeterToken).greet()).toBe('lazy hello');
    expect(rootContainer.isRegistered(GreeterToken)).toBe(false);
  });

  it('subscribes sinks through the bus, so a throwing sink is removed and reported', async () => {
    const reports: string[] = [];
    const { host, events } = newHost(reports);
    const seen: string[] = [];
    const sink = (id: string, handle: TelemetrySinkV1['handle']): TelemetrySinkV1 => ({
      specificationVersion: 'v1',
      id,
      handle,
      flush: () => Promise.resolve(),
      dispose: () => Promise.resolve(),
    });
    await host.register(
      [
        plugin('sinks', {
          register: (context) => {
            context.sinks.add(
              sink('broken', () => {
                throw new Error('disk full');
              }),
            );
            context.sinks.add(sink('fine', (event) => void seen.push(event.type)));
          },
        }),
      ],
      config,
    );
    const event = {
      type: 'invocation.output',
      invocationId: 'i',
      chainId: 'c',
      attempt: 1,
      at: '',
      text: 'x',
    } as const;
    events.emit(event);
    events.emit(event);
    expect(seen).toEqual(['invocation.output', 'invocation.output']);
    expect(reports).toEqual(['sinks sink broken']);
  });

  it('disposes in reverse registration order, and one failure does not stop the others', async () => {
    const { host } = newHost();
    const disposed: string[] = [];
    await host.register(
      [
        plugin('first', { dispose: () => void disposed.push('first') }),
        plugin('second', {
          dispose: () => {
            disposed.push('second');
            throw new Error('flush failed');
          },
        }),
        plugin('third', { dispose: () => void disposed.push('third') }),
      ],
      config,
    );
    const failures: string[] = [];
    await host.dispose({}, (name) => failures.push(name));
    expect(disposed).toEqual(['third', 'second', 'first']);
    expect(failures).toEqual(['second']);
  });

  it('tells sinks and plugins whether the process exits after the disposal', async () => {
    const told: string[] = [];
    const { host } = newHost();
    await host.register(
      [
        plugin('recorder', {
          register: (context) => {
            context.sinks.add({
              specificationVersion: 'v1',
              id: 'recorder',
              handle: () => undefined,
              flush: () => Promise.resolve(),
              dispose: async (options) => void told.push(`sink ${String(options?.processExits)}`),
            });
          },
          dispose: (context) => void told.push(`plugin ${String(context.processExits)}`),
        }),
      ],
      config,
    );
    await host.dispose({ processExits: true }, () => undefined);
    expect(told).toEqual(['sink true', 'plugin true']);
  });
});

describe('service tokens', () => {
  it('match across copies of core, because they live in the global symbol registry', async () => {
    // A plugin with its own copy of core builds its token the same way, but from its own module.
    const tokenFromAnotherCopy = Symbol.for('llm-service.spend-ledger.v1') as ServiceToken<{ name: string }>;
    expect(tokenFromAnotherCopy).toBe(SpendLedgerToken);
    expect(serviceToken('spend-ledger', 1)).toBe(SpendLedgerToken);
    expect(serviceToken('spend-ledger', 2)).not.toBe(SpendLedgerToken);

    const { host } = newHost();
    let seen: unknown;
    await host.register(
      [
        plugin('consumer', {
          requires: [SpendLedgerToken],
          register: (context) => void (seen = context.services.require(SpendLedgerToken)),
        }),
        plugin('provider-with-own-core', {
          provides: [tokenFromAnotherCopy],
          register: (context) => context.services.provide(tokenFromAnotherCopy, { name: 'ledger' }),
        }),
      ],
      config,
    );
    expect(seen).toEqual({ name: 'ledger' });
  });
});
