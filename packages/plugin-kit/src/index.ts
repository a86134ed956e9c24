/**
 * `@llm-service/plugin-kit`: code several plugins need that is not a contract. Plugins depend on `@llm-service/spec`
 * (the contracts) and on this kit, and on nothing else of ours.
 */
// Running a tool: its own process group, TERM then KILL, the prompt by stdin, file or argument.
export { runTool, type RunToolOptions, type RunToolResult } from './process/run-tool.js';
export { invocationObservable } from './process/invocation-observable.js';
// The environment: the child's variables, the binary, credentials, working directory, version, XDG homes.
export * from './environment/tool-checks.js';
export { findExecutable } from './environment/find-executable.js';
export { userCacheHome, userConfigHome, userDataHome } from './environment/xdg.js';
// Text
export { LineSplitter, lineText } from './text/line-splitter.js';
export { closestMatch, suggestName } from './text/did-you-mean.js';
// Settings a plugin parses itself (those in the configuration arrive validated).
export { describeIssues, parseSettings } from './settings/parse-settings.js';
// Config validation: zod's issues as problems a person can act on (did-you-mean on unknown keys, missing fields).
export { describeZodIssues, type FieldProblem } from './config/zod-issues.js';
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
export { acquireLockFile, type LockFileOptions } from './files/lock-file.js';
export { readRegularFile, type RegularFileRead } from './files/read-regular-file.js';
export { forTerminal } from './text/for-terminal.js';
export { formatUsd, roundFigures } from './text/figures.js';
export { processAlive } from './process/process-alive.js';
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
