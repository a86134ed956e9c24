import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { TelemetryQueryToken, UsageError, type CommandInput, type KernelHandle } from '@llm-service/spec';
import { POLICIES_FILE } from '../policies-schema.js';
import { renderSimulation } from './render-simulation.js';
import { assertSimulated, simulate, type SimulationReport } from './simulate.js';
import { parseWorkload, type SimulatedRequest } from './workload.js';
import { roundFigures } from '@llm-service/plugin-kit';

interface SimulateOptions {
  workload?: string;
  fromTelemetry?: boolean;
  since?: string;
  policies?: string;
  json?: boolean;
}

const shown = (path: string) => {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd.startsWith('..') ? path : fromCwd;
};

/** `YYYY-MM-DD` (UTC midnight) or an ISO 8601 time. */
export function parseSince(value: string): Date {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(value);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value))
    throw new UsageError(`--since '${value}' is not a date`, {
      hint: 'give a UTC day as YYYY-MM-DD or an ISO 8601 time',
    });
  return date;
}

async function fromTelemetry(kernel: KernelHandle, since: Date): Promise<SimulatedRequest[]> {
  const query = await kernel.service(TelemetryQueryToken);
  if (!query) {
    throw new UsageError(
      'simulate --from-telemetry needs the telemetry query service, and no plugin provides it',
      {
        hint: 'load @llm-service/telemetry (the llm-service CLI does by default)',
      },
    );
  }
  const records = await query.invocations({ since, status: 'success', limit: 10_000_000 });
  return records.map((record) => ({
    agent: record.agent,
    taskType: record.taskType ?? undefined,
    promptTokens: record.inputTokens + record.cacheReadTokens + record.cacheWriteTokens,
    outputTokens: record.outputTokens,
    count: 1,
    at: new Date(record.startedAt),
    chainId: record.chainId,
    project: record.project,
  }));
}

export async function runSimulate(input: CommandInput): Promise<number> {
  const options = input.options as SimulateOptions;
  if ((options.workload === undefined) === (options.fromTelemetry !== true))
    throw new UsageError('give either --workload FILE.jsonl or --from-telemetry --since DATE');
  if (options.fromTelemetry && options.since === undefined)
    throw new UsageError('--from-telemetry needs --since DATE', { hint: 'e.g. --since 2026-11-01' });
  if (options.workload !== undefined && options.since !== undefined)
    throw new UsageError('--since goes with --from-telemetry, not with --workload');
  const since = options.since === undefined ? undefined : parseSince(options.since);
  let requests: SimulatedRequest[] | undefined;
  if (options.workload !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.workload, 'utf8');
    } catch (error) {
      throw new UsageError(
        `--workload: cannot read ${options.workload}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    requests = parseWorkload(text, shown(resolve(options.workload)));
  }

  const kernel = await input.kernel();
  const config = await kernel.config();
  const candidate =
    options.policies === undefined ? undefined : await kernel.configWithFile(POLICIES_FILE, options.policies);
  if (since) requests = await fromTelemetry(kernel, since);
  const source: SimulationReport['source'] =
    options.workload !== undefined
      ? { kind: 'workload', path: shown(resolve(options.workload)) }
      : { kind: 'telemetry', since: since!.toISOString() };
  const report = await simulate({
    route: (routeRequest) => kernel.route(routeRequest),
    requests: requests ?? [],
    current: config,
    candidate,
    source,
    policies: {
      current: shown(resolve(config.dir, POLICIES_FILE)),
      candidate: options.policies === undefined ? null : shown(resolve(options.policies)),
    },
  });
  if (source.kind === 'telemetry' && report.total.requests === 0 && report.skipped.length === 0) {
    input.io.stdout.write(
      options.json
        ? `${JSON.stringify(report, roundFigures, 2)}\n`
        : `No successful requests recorded since ${options.since}.\n`,
    );
    return 0;
  }
  assertSimulated(report);
  input.io.stdout.write(
    options.json ? `${JSON.stringify(report, roundFigures, 2)}\n` : renderSimulation(report),
  );
  return 0;
}
