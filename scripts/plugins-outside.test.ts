/**
 * Third-party plugins built and used from outside the repository, as their authors and users would:
 * `examples/plugin-audit-log` and `examples/plugin-adapter-http` are each copied to a temporary directory, installed
 * against the packed `@llm-service/spec` tarball (so only the contracts are visible to them), compiled with
 * their own `npm run build` and packed. Then, in an empty project directory, one `npm install` puts in the packed CLI
 * with its plugins and the audit-log tarball; the HTTP adapter is unpacked beside the config directory and named by
 * relative path. `llm-service exec` runs through both against a local OpenAI-compatible test server.
 */
import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLUGIN_API_VERSION } from '../packages/spec/src/plugin/define-plugin.js';
import {
  buildExample,
  assertBuilt,
  installedBin,
  isolatedEnvironment,
  outsideDir,
  packWorkspace,
  publishablePackages,
  run,
  runAsync,
  scopedPackagesInLockfile,
  STEP_TIMEOUT_MS,
  type ProcessRun,
} from './support/packed-workspace.js';

const SPEC = '@llm-service/spec';
const CLI = '@llm-service/cli';
const AUDIT_PLUGIN = 'llm-service-plugin-audit-log';
const HTTP_PLUGIN = 'llm-service-adapter-http';
const MODEL = 'qwen2.5:7b';
const AUDIT_KEY = 'an-audit-key-of-enough-length-0123456789';
const API_KEY = 'local-secret-token';
const ANSWER_PIECES = ['Hello', ' from', ' the local', ' model.'];

interface ReceivedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: { model?: string; stream?: boolean; messages?: { role: string; content: string }[] };
}

/** An OpenAI-compatible server: `/ok` streams an answer; `/401`, `/429`, `/503` fail so; `/slow` never answers in time. */
function startTestServer(received: ReceivedRequest[]): Promise<Server> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => {
      const [, mode, ...rest] = (request.url ?? '').split('/');
      const path = `/${rest.join('/')}`;
      if (path === '/v1/models') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
        return;
      }
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        body: raw ? (JSON.parse(raw) as ReceivedRequest['body']) : {},
      });
      if (mode === 'slow') return void setTimeout(() => response.writeHead(200).end(), 5_000).unref();
      if (mode !== 'ok') {
        response
          .writeHead(Number(mode), { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: `status ${mode}` } }));
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const events = [
        { model: MODEL, choices: [{ delta: { role: 'assistant', content: '' } }] },
        ...ANSWER_PIECES.map((content) => ({ model: MODEL, choices: [{ delta: { content } }] })),
        {
          model: MODEL,
          choices: [],
          usage: { prompt_tokens: 12, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 2 } },
        },
      ].map((event) => `data: ${JSON.stringify(event)}\n\n`);
      events.push('data: [DONE]\n\n');
      // Split the stream at awkward places, as networks do: mid-event and mid-line.
      const stream = events.join('');
      const cuts = [7, 60, 61, 150, stream.length];
      let start = 0;
      const writeNext = () => {
        const end = cuts.shift();
        if (end === undefined) return void response.end();
        response.write(stream.slice(start, end));
        start = end;
        setTimeout(writeNext, 5);
      };
      writeNext();
    });
  });
  server.listen(0, '127.0.0.1');
  return once(server, 'listening').then(() => server);
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** The audit line's signature, computed here independently of the plugin: HMAC-SHA256 of the line without `sig`. */
function checkSignature(line: string, key: string): { valid: boolean; record: Record<string, unknown> } {
  const match = /^(\{.*),"sig":"([0-9a-f]{64})"\}$/.exec(line);
  if (!match?.[1] || !match[2]) return { valid: false, record: {} };
  const body = `${match[1]}}`;
  const expected = createHmac('sha256', key).update(body).digest('hex');
  return { valid: expected === match[2], record: JSON.parse(body) as Record<string, unknown> };
}

describe('third-party plugins built outside the workspace against the packed spec', () => {
  let workDir: string;
  let projectDir: string;
  let configDir: string;
  let binPath: string;
  let server: Server;
  const received: ReceivedRequest[] = [];
  let tarballs: Map<string, string>;

  const env = isolatedEnvironment({ AUDIT_LOG_KEY: AUDIT_KEY, LOCAL_LLM_KEY: API_KEY });
  const cli = (args: readonly string[]): Promise<ProcessRun> =>
    runAsync(process.execPath, [binPath, ...args], { cwd: projectDir, env });

  beforeAll(async () => {
    const packages = publishablePackages();
    assertBuilt(packages);
    workDir = outsideDir('llm-service-plugins-');
    const packDir = join(workDir, 'pack');
    mkdirSync(packDir);
    tarballs = packWorkspace(packages, packDir);
    const specTarball = tarballs.get(SPEC);
    if (!specTarball) throw new Error('the spec was not packed');

    // Each example sees only the packed spec: no workspace links, no source export condition, no core.
    const auditTarball = buildExample('plugin-audit-log', join(workDir, 'build'), [specTarball], packDir);
    const httpTarball = buildExample('plugin-adapter-http', join(workDir, 'build'), [specTarball], packDir);

    projectDir = join(workDir, 'project');
    mkdirSync(projectDir);
    writeFileSync(
      join(projectDir, 'package.json'),
      JSON.stringify({ name: 'plugin-user', version: '0.0.0', private: true, type: 'module' }, null, 2),
    );
    run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--package-lock=true', ...tarballs.values(), auditTarball],
      projectDir,
    );
    binPath = installedBin(projectDir, CLI, 'llm-service');

    // The HTTP adapter is unpacked beside the config and named by relative path.
    configDir = join(projectDir, 'config');
    mkdirSync(join(configDir, 'plugins'), { recursive: true });
    run('tar', ['-xzf', httpTarball, '-C', join(configDir, 'plugins')], projectDir);
    renameSync(join(configDir, 'plugins', 'package'), join(configDir, 'plugins', 'adapter-http'));

    server = await startTestServer(received);
    const { port } = server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    const downPort = await closedPort();
    writeFileSync(
      join(configDir, 'tools.yaml'),
      `version: 1
tools:
  local: { adapter: http, base_url: "${base}/ok", api_key_env: LOCAL_LLM_KEY, models: ["${MODEL}"], timeout_s: 20 }
  down: { adapter: http, base_url: "http://127.0.0.1:${downPort}", models: ["${MODEL}"] }
  locked: { adapter: http, base_url: "${base}/401", models: ["${MODEL}"] }
  busy: { adapter: http, base_url: "${base}/429", models: ["${MODEL}"] }
  broken: { adapter: http, base_url: "${base}/503", models: ["${MODEL}"] }
  slow: { adapter: http, base_url: "${base}/slow", models: ["${MODEL}"], timeout_s: 1 }
`,
    );
    const chain = ['locked', 'busy', 'broken', 'slow', 'local'].map((tool) => `"${tool}:${MODEL}"`);
    writeFileSync(
      join(configDir, 'agents.yaml'),
      `version: 1
agents:
  writer: { preferred_tool: local, preferred_model: "${MODEL}" }
  resilient: { preferred_tool: down, preferred_model: "${MODEL}", fallback_chain: [${chain.join(', ')}] }
`,
    );
    writeFileSync(
      join(configDir, 'models.yaml'),
      `version: 1\nmodels:\n  "${MODEL}": { provider: local, input_per_mtok: 0, output_per_mtok: 0 }\n`,
    );
    writeFileSync(
      join(configDir, 'llm-service.yaml'),
      `version: 1
plugins:
  - ${AUDIT_PLUGIN}
  - ./plugins/adapter-http/dist/index.js
audit_log:
  file: audit/audit.log
  key: \${AUDIT_LOG_KEY}
`,
    );
  }, STEP_TIMEOUT_MS * 3);

  afterAll(async () => {
    if (server) {
      server.closeAllConnections();
      server.close();
    }
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    if (typeof env.HOME === 'string') rmSync(env.HOME, { recursive: true, force: true });
  });

  it('installs our packages from the local tarballs only, with one copy of the spec', () => {
    const ours = scopedPackagesInLockfile(projectDir);
    expect(ours.length).toBeGreaterThan(0);
    for (const { key, resolved } of ours) expect(resolved, key).toMatch(/^file:/);
    expect(ours.filter(({ key }) => key.endsWith(SPEC)).map(({ key }) => key)).toEqual([
      `node_modules/${SPEC}`,
    ]);
  });

  it('ships each example with the spec as a peer dependency and compiled declarations only', () => {
    for (const name of [AUDIT_PLUGIN, HTTP_PLUGIN]) {
      const dir =
        name === AUDIT_PLUGIN
          ? join(projectDir, 'node_modules', name)
          : join(configDir, 'plugins', 'adapter-http');
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        peerDependencies?: Record<string, string>;
        dependencies?: Record<string, string>;
      };
      expect(manifest.peerDependencies?.[SPEC], name).toBe('^0.1.0');
      expect(manifest.dependencies ?? {}, name).toEqual({});
      expect(readFileSync(join(dir, 'dist', 'index.d.ts'), 'utf8'), name).toContain(SPEC);
    }
  });

  it('lists both plugins and the http adapter', async () => {
    const result = await cli(['plugins', '--config-dir', configDir, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(AUDIT_PLUGIN);
    expect(result.stdout).toContain(HTTP_PLUGIN);
  });

  it('streams an answer from an OpenAI-compatible server through the HTTP adapter', async () => {
    received.length = 0;
    const prompt = 'Say hello — über alles, ünïcödé';
    const result = await cli(['exec', '--config-dir', configDir, '--agent', 'writer', '--prompt', prompt]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(ANSWER_PIECES.join(''));
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/ok/v1/chat/completions');
    expect(request?.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.body).toMatchObject({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: prompt }],
    });
  });

  it('reports the usage the server streamed', async () => {
    const result = await cli([
      'exec',
      '--config-dir',
      configDir,
      '--agent',
      'writer',
      '--prompt',
      'hi',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { text: string; tool: string; model: string; usage: unknown };
    expect(json).toMatchObject({ text: ANSWER_PIECES.join(''), tool: 'local', model: MODEL });
    expect(json.usage).toEqual({ inputTokens: 10, outputTokens: 5, cacheReadTokens: 2, cacheWriteTokens: 0 });
  });

  it('classifies refused connections, 401, 429, 5xx and timeouts, and falls back past each', async () => {
    const result = await cli([
      'exec',
      '--config-dir',
      configDir,
      '--agent',
      'resilient',
      '--prompt',
      'hi',
      '--json',
      '--quiet',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as {
      tool: string;
      attempts: { tool: string; status: string; errorKind?: string }[];
    };
    expect(json.tool).toBe('local');
    expect(json.attempts.map(({ tool, status, errorKind }) => [tool, status, errorKind ?? null])).toEqual([
      ['down', 'failed', 'not-installed'],
      ['locked', 'failed', 'auth'],
      ['busy', 'failed', 'rate-limit'],
      ['broken', 'failed', 'overloaded'],
      ['slow', 'failed', 'timeout'],
      ['local', 'success', null],
    ]);
  });

  it('fails with exit 1 and the failure named when no candidate is left', async () => {
    const result = await cli([
      'exec',
      '--config-dir',
      configDir,
      '--agent',
      'writer',
      '--tool',
      'locked',
      '--prompt',
      'hi',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('locked:qwen2.5:7b');
  });

  it('appends one signed audit line per invocation, which verifies with the key and fails when altered', () => {
    const lines = readFileSync(join(configDir, 'audit', 'audit.log'), 'utf8')
      .trimEnd()
      .split('\n');
    // plugins --json runs no request; then four exec runs.
    expect(lines).toHaveLength(4);
    const records = lines.map((line) => {
      const { valid, record } = checkSignature(line, AUDIT_KEY);
      expect(valid, line).toBe(true);
      expect(checkSignature(line, `${AUDIT_KEY}x`).valid).toBe(false);
      return record;
    });
    const prompt = 'Say hello — über alles, ünïcödé';
    expect(records[0]).toMatchObject({
      v: 1,
      agent: 'writer',
      status: 'success',
      tool: 'local',
      model: MODEL,
      attempts: 1,
      usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 2, cacheWriteTokens: 0 },
      promptSha256: createHash('sha256').update(prompt).digest('hex'),
    });
    expect(records[2]).toMatchObject({ agent: 'resilient', status: 'success', tool: 'local', attempts: 6 });
    expect(records[3]).toMatchObject({ agent: 'writer', status: 'failed', tool: 'locked' });
    expect(lines.join('\n')).not.toContain(prompt);
    const tampered = lines[0]!.replace('"status":"success"', '"status":"failed"');
    expect(checkSignature(tampered, AUDIT_KEY).valid).toBe(false);
  });

  it('refuses to start the audit log without a key, naming the plugin', async () => {
    const noKeyDir = join(projectDir, 'config-no-key');
    mkdirSync(noKeyDir);
    for (const file of ['agents.yaml', 'tools.yaml', 'models.yaml'])
      writeFileSync(join(noKeyDir, file), readFileSync(join(configDir, file)));
    writeFileSync(
      join(noKeyDir, 'llm-service.yaml'),
      `version: 1\nplugins: [${AUDIT_PLUGIN}, ../config/plugins/adapter-http/dist/index.js]\n`,
    );
    const result = await cli(['exec', '--config-dir', noKeyDir, '--agent', 'writer', '--prompt', 'hi']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`plugin ${AUDIT_PLUGIN}: failed while registering: no HMAC key`);
  });

  describe('contract errors through the installed binary: one line naming the plugin', () => {
    const cases = [
      {
        title: 'an apiVersion this core does not satisfy',
        plugin: `export default { name: 'acme-future', version: '1.0.0', apiVersion: '^2.0.0', register() {} };`,
        expected: `plugin acme-future: needs plugin API ^2.0.0, but this core provides ${PLUGIN_API_VERSION}`,
      },
      {
        title: 'a plugin that throws in register',
        plugin: `export default { name: 'acme-throws', version: '1.0.0', apiVersion: '^1.0.0',
  register() { throw new Error('database unreachable\\n    at a second line'); } };`,
        expected: 'plugin acme-throws: failed while registering: database unreachable',
      },
      {
        title: 'an adapter id another plugin registered',
        plugin: `export default { name: 'acme-duplicate', version: '1.0.0', apiVersion: '^1.0.0',
  register(context) {
    context.adapters.add({ specificationVersion: 'v1', id: 'http', detect: async () => ({ installed: true }),
      invoke() { throw new Error('never'); } });
  } };`,
        expected: `plugin acme-duplicate: registers adapter 'http', which ${HTTP_PLUGIN} already registered`,
      },
    ];
    for (const { title, plugin, expected } of cases) {
      it(title, async () => {
        const dir = join(projectDir, `config-${title.replace(/\W+/g, '-')}`);
        mkdirSync(dir);
        for (const file of ['agents.yaml', 'tools.yaml', 'models.yaml'])
          writeFileSync(join(dir, file), readFileSync(join(configDir, file)));
        writeFileSync(join(dir, 'acme.mjs'), plugin);
        writeFileSync(
          join(dir, 'llm-service.yaml'),
          'version: 1\nplugins: [../config/plugins/adapter-http/dist/index.js, ./acme.mjs]\n',
        );
        const result = await cli(['exec', '--config-dir', dir, '--agent', 'writer', '--prompt', 'hi']);
        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
        const lines = result.stderr.trimEnd().split('\n');
        expect(lines[0]).toBe(`llm-service: error: ${expected}`);
        // Anything after the one line is a hint, never a stack trace.
        for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}hint: /);
      });
    }
  });
});
