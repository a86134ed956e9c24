/**
 * `@llm-service/plugin-kit`: code several plugins need that is not a contract. Plugins depend on `@llm-service/spec`
 * (the contracts) and on this kit, and on nothing else of ours.
 */
// Running a tool: its own process group, TERM then KILL, the prompt by stdin, file or argument.
export { diesWithParent, runTool, type RunToolOptions, type RunToolResult } from './process/run-tool.js';
export {
  definedVariables,
  sameLaunch,
  spawnTool,
  toolLauncher,
  useToolLauncher,
  type ToolLaunch,
  type ToolLauncher,
} from './process/tool-launch.js';
export { invocationObservable, type ReportLimits } from './process/invocation-observable.js';
export { prepareRun, throwIfCancelled, type PreparedRun } from './process/prepare-run.js';
export { runWithParser, type StdoutParser } from './process/run-with-parser.js';
// Adapters: a ToolAdapterV1 from a detection and a promise-based run, and the lazy wrapper plugins register.
export { toolAdapter, type ToolAdapterParts, type ToolRun } from './adapter/tool-adapter.js';
export { lazyAdapter } from './adapter/lazy-adapter.js';
// The environment: the child's variables, the binary, credentials, working directory, version, XDG homes.
export * from './environment/tool-checks.js';
export { findExecutable } from './environment/find-executable.js';
export { parseVersion, probeVersion, versionProbeTimeoutMs } from './environment/version-probe.js';
export {
  credentialNames,
  detectInstalledTool,
  loggedInSession,
  type DetectFindings,
} from './environment/detect-installed-tool.js';
// Tool output: JSON lines as they arrive, and the blank line between the texts of two turns.
export {
  AnswerStreamParser,
  firstBytesLimit,
  JsonLinesReader,
  type AnswerStreamState,
} from './stream/json-lines.js';
export { turnSeparator } from './text/turn-separator.js';
export { userCacheHome, userConfigHome, userDataHome } from './environment/xdg.js';
// Text
export { LineSplitter, lineText } from './text/line-splitter.js';
export { closestMatch, suggestName } from './text/did-you-mean.js';
// Settings a plugin parses itself (those in the configuration arrive validated).
export { describeIssues, parseSettings } from './settings/parse-settings.js';
export { readJsonSettings } from './settings/read-json-settings.js';
export { agentOptionsOrDefaults } from './settings/agent-options.js';
// Config validation: zod's issues as problems a person can act on (did-you-mean on unknown keys, missing fields).
export { describeZodIssues, type FieldProblem } from './config/zod-issues.js';
// Config checks of an agent option that names a file or directory: there when the config loads.
export { agentPathOptionProblems, pathProblem } from './config/agent-path-option.js';
// YAML with positions: problems at their line and column, unique keys checked in one pass, located in O(N).
export { parseYamlSource, type YamlSource, type YamlSyntaxProblem } from './yaml/parse-yaml-source.js';
export { locate, locateInDocument, nodePosition, type SourcePosition } from './yaml/locate.js';
export { toPlainValue } from './yaml/to-plain-value.js';
// Secrets and files
export { redactSecrets, redactedMarker } from './privacy/redact.js';
export { writeFileAtomic, writeFileAtomicSync, type AtomicWriteOptions } from './files/write-file-atomic.js';
// Modules: import() through the host's lent importer (the CLI's code-cached bundle cannot run its own).
export { importModule, moduleImporterKey } from './modules/import-module.js';
// Calendar: budget periods (day, ISO week, month; UTC unless a time zone is named) and local dates in a zone.
export {
  periodContaining,
  periodRange,
  periodsBetween,
  type CalendarPeriod,
  type PeriodRange,
} from './calendar/budget-period.js';
export {
  addDays,
  formatLocalDate,
  isValidTimeZone,
  localDate,
  startOfLocalDate,
  type LocalDate,
} from './calendar/zoned-date.js';
// Failures that spent: an adapter error carrying the usage and cost a run reported before it failed.
export { withSpending, type Spending } from './failures/with-spending.js';
// Failures of a finished run: stderr's end, the exit status, a spawn that failed, stdout that was not the stream.
export {
  describeExit,
  exitCodeOption,
  exitFailure,
  formatSeconds,
  outputTail,
  outputTailChars,
  spawnFailure,
  stoppedRunFailure,
  streamOutputFailure,
  toolRunContext,
  type StreamExpectations,
  type ToolRunContext,
} from './failures/run-outcome.js';
// Usage: sums over a run's parts, and the model that answered most.
export { busiestModel, sumUsage } from './usage/sum-usage.js';
export { acquireLockFile, type LockFileOptions } from './files/lock-file.js';
export { fileStamp } from './files/file-stamp.js';
export { readRegularFile, type RegularFileRead } from './files/read-regular-file.js';
export { decodeUtf8, readTextFile, type TextFileRead } from './files/read-text-file.js';
export { forTerminal } from './text/for-terminal.js';
export { formatUsd, roundFigures } from './text/figures.js';
// Prices: what a usage costs at a model's prices, and the hash recorded with every computed cost.
export { computeCostUsd, priceHash } from './pricing/price-usage.js';
export { processAlive } from './process/process-alive.js';
export { monotonicMs } from './time/monotonic.js';
export {
  currentProcessIdentity,
  processLiveness,
  processStartTime,
  type LivenessChecks,
  type ProcessIdentity,
} from './process/process-identity.js';
export {
  OutsideRootError,
  readFileInside,
  writeFileInside,
  type FileInside,
} from './files/write-file-inside.js';
export { epochToIsoTime, planWindowStatus } from './limits/plan-limits.js';
export { heldReservationFromRow, type HeldReservationRow } from './spend/held-reservation.js';
export { parseSpendScope, type ParsedSpendScope, type SpendScopeKind } from './spend/spend-scope.js';
