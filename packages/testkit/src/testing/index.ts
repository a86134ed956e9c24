/**
 * `@llm-service/testkit/testing`: fakes and helpers for testing plugins and the kernel in-process, free of any test
 * framework. Not part of the stable API tier (`.`): helpers may grow between minor releases.
 */
export {
  createScriptedAdapter,
  type AnswerStep,
  type FailStep,
  type HangStep,
  type Script,
  type ScriptedAdapter,
  type ScriptedAdapterOptions,
  type ScriptedCall,
  type ScriptedChunk,
  type ScriptStep,
} from './scripted-adapter.js';
export { definePluginForTests, type TestPluginOptions } from './test-plugin.js';
export { writeTestConfig, type TestConfig } from './test-config.js';
export { collectEvents, createTestLogger, type TestLogger } from './collect.js';
export {
  collectInvocation,
  invocationRequestFor,
  type AdapterFailure,
  type CollectOptions,
  type InvocationOutcome,
  type RequestDefaults,
  type RequestOverrides,
} from './invocation.js';
export { removeTemporaryDirectories, temporaryDirectory } from './temporary-directories.js';
export {
  chunked,
  readRecording,
  runResultOf,
  writeRecording,
  type RecordedRunMeta,
  type Recording,
  type ToolRunResult,
} from './recordings.js';
export {
  collectInvocationLeavingNoProcess,
  processGroupsMatching,
  waitForProcessGroupsGone,
  type ProcessCheck,
} from './processes.js';
export { startedServers, type StartedServers } from './started-servers.js';
