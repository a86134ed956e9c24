/**
 * An llm-service sink written as a third party would: it depends on `@llm-service/spec` only (a peer dependency),
 * and appends one HMAC-signed JSON line per invocation to an audit file.
 *
 *   # llm-service.yaml
 *   plugins: [llm-service-plugin-audit-log]
 *   audit_log:
 *     file: audit.log            # relative to the config directory; default audit.log
 *     key: ${AUDIT_LOG_KEY}       # the HMAC key; default: the LLM_SERVICE_AUDIT_LOG_KEY variable
 *
 * A line is the JSON of an `AuditRecord` followed by `"sig"`: the hex HMAC-SHA256 of the line without its `sig`
 * field, exactly as written (see `verifyAuditLine`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { definePlugin, z, type LlmServiceEvent, type TelemetrySinkV1, type Usage } from '@llm-service/spec';

export const auditLogPluginName = 'llm-service-plugin-audit-log';
export const auditLogKeyVariable = 'LLM_SERVICE_AUDIT_LOG_KEY';

const auditLogSection = z.strictObject({
  file: z.string().min(1).default('audit.log'),
  key: z.string().min(16, 'expected an HMAC key of at least 16 characters').optional(),
});
type AuditLogSettings = z.output<typeof auditLogSection>;

/** What one audit line records: who ran what, where, at what cost, and how it ended. Never the prompt or answer. */
export interface AuditRecord {
  v: 1;
  at: string;
  invocationId: string;
  chainId: string;
  agent: string;
  status: 'success' | 'failed' | 'blocked' | 'cancelled';
  /** The tool and model that answered, or the last one tried. */
  tool: string | null;
  model: string | null;
  attempts: number;
  costUsd: number;
  usage: Usage | null;
  latencyMs: number;
  promptSha256: string | null;
}

export function signAuditRecord(record: AuditRecord, key: string): string {
  const body = JSON.stringify(record);
  const sig = createHmac('sha256', key).update(body).digest('hex');
  return `${body.slice(0, -1)},"sig":"${sig}"}`;
}

/** Checks one line of an audit file; returns its record when the signature matches, else `undefined`. */
export function verifyAuditLine(line: string, key: string): AuditRecord | undefined {
  const match = /^(\{.*),"sig":"([0-9a-f]{64})"\}$/.exec(line.trim());
  if (!match?.[1] || !match[2]) return undefined;
  const body = `${match[1]}}`;
  const expected = createHmac('sha256', key).update(body).digest();
  const actual = Buffer.from(match[2], 'hex');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  return JSON.parse(body) as AuditRecord;
}

interface Pending {
  promptSha256: string | null;
  tool: string | null;
  model: string | null;
  usage: Usage | null;
}

/** The sink: collects what it needs per invocation and writes one line when the request completes. */
export function createAuditLogSink(options: { file: string; key: string }): TelemetrySinkV1 {
  const pending = new Map<string, Pending>();
  let writes: Promise<void> = mkdir(dirname(options.file), { recursive: true }).then(() => undefined);
  let failure: unknown;
  const entry = (invocationId: string): Pending => {
    let found = pending.get(invocationId);
    if (!found) {
      found = { promptSha256: null, tool: null, model: null, usage: null };
      pending.set(invocationId, found);
    }
    return found;
  };
  return {
    specificationVersion: 'v1',
    id: 'audit-log',
    handle(event: LlmServiceEvent): void {
      switch (event.type) {
        case 'request.received':
          entry(event.invocationId).promptSha256 = event.promptSha256;
          break;
        case 'invocation.started':
        case 'invocation.failed':
          Object.assign(entry(event.invocationId), { tool: event.tool, model: event.model });
          break;
        case 'invocation.succeeded':
          Object.assign(entry(event.invocationId), {
            tool: event.tool,
            model: event.model,
            usage: event.usage,
          });
          break;
        case 'request.completed': {
          const seen = entry(event.invocationId);
          pending.delete(event.invocationId);
          const line = signAuditRecord(
            {
              v: 1,
              at: event.at,
              invocationId: event.invocationId,
              chainId: event.chainId,
              agent: event.agent,
              status: event.status,
              tool: seen.tool,
              model: seen.model,
              attempts: event.attempts,
              costUsd: event.costUsd,
              usage: seen.usage,
              latencyMs: event.latencyMs,
              promptSha256: seen.promptSha256,
            },
            options.key,
          );
          // handle() must not block the request: queue the write, and report a failure at flush.
          writes = writes
            .then(() => appendFile(options.file, `${line}\n`, { mode: 0o600 }))
            .catch((error: unknown) => {
              failure = error;
            });
          break;
        }
        default:
          break;
      }
    },
    async flush(): Promise<void> {
      await writes;
      if (failure !== undefined) {
        const error = failure;
        failure = undefined;
        throw new Error(`cannot write the audit log ${options.file}`, { cause: error });
      }
    },
    async dispose(): Promise<void> {
      await writes;
    },
  };
}

const auditLogPlugin = definePlugin({
  name: auditLogPluginName,
  version: '0.1.0',
  // 1.2: `context.settings`, this plugin's own section validated and typed by the schema below.
  apiVersion: '^1.2.0',
  configSchema: { sections: { audit_log: auditLogSection } },
  register(context) {
    const settings: AuditLogSettings = context.settings.sections.audit_log ?? { file: 'audit.log' };
    const key = settings.key ?? context.env[auditLogKeyVariable];
    if (!key) {
      throw new Error(
        `no HMAC key: set audit_log.key in llm-service.yaml (e.g. \${AUDIT_LOG_KEY}) or ${auditLogKeyVariable}`,
      );
    }
    context.sinks.add(createAuditLogSink({ file: resolve(context.config.dir, settings.file), key }));
  },
});

export default auditLogPlugin;
