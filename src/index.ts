/**
 * simrun's public API: the kernel, the Env contract, the lock backends, the scenario runner and
 * campaigns, and the systems under test with their checkers (as namespaces, since their names
 * would otherwise collide). The CLI is a thin layer over exactly these.
 */
export type { Env, LogData, FsPromises, StatsLike, WriteOptions, DirentLike } from './env/index.js';
export { errorCode, realEnv, type RealEnvOptions } from './env/index.js';
export { eventFamily, type EventFamily, type EventShape, type EventOfKind, type KindList, type Recorded, type RecordedEvent } from './env/events.js';

export { World, DEFAULT_EPOCH_MS, type WorldOptions, type RunOutcome, type FsFault, type FsLatency } from './sim/world.js';
export { Prng } from './sim/prng.js';
export { Trace, traceHash, stableStringify, type TraceEvent } from './sim/trace.js';
export { processEvents, stdoutEvents, fsEvents, faultEvents, kernelEvents, type KernelEvent, type ProcessEvent, type StdoutEvent, type FsEvent, type FsEventKind, type FaultEvent } from './sim/events.js';
export { formatProcessId, parseProcessId, processName, type ProcessId } from './sim/process-id.js';
export { firstDivergence, describeDivergence, type TraceDivergence } from './sim/trace-diff.js';
export { HarnessError, EventBudgetExceeded, NoProgress, WallClockExceeded } from './sim/errors.js';
export {
  parseFaultPlan,
  generateFaultPlan,
  applyFaultPlan,
  sortPlan,
  PlanError,
  KERNEL_FAULT_KINDS,
  defineFaultKind,
  faultKindsOf,
  type Fault,
  type FaultPlan,
  type FaultSpace,
  type FaultRates,
  type FaultKind,
  type Magnitude,
} from './sim/faults.js';
export { stall, PendingStalls } from './sim/fault-kinds/stall.js';
export { slowCalls, type CallLatency } from './sim/fault-kinds/slow-calls.js';
export { drawSwarm, applySwarm, formatSwarm, type SwarmDraw } from './sim/fault-kinds/swarm.js';

export * from './locks/index.js';

export type { Violation } from './check/violation.js';
export { feed, createDerive, type Checker, type RunContext, type TraceInput } from './check/checker.js';
export { noUncaughtErrors } from './check/no-uncaught-errors.js';
export { gracefulStops } from './check/graceful-stops.js';
export { defineScenario, type Scenario, type Invariant, type CheckContext, type SetupContext } from './scenario/scenario.js';
export { runScenario, replayCommand, resolveParams, validateSeed, InputError, type RunOptions, type RunResult, type RunStatus } from './scenario/run.js';
export { loadScenario, builtInScenarioNames, loadBuiltInScenarios } from './scenario/registry.js';
export { runCampaign, mergeCampaigns, parseShard, type CampaignOptions, type CampaignResult, type CampaignFailure } from './scenario/fuzz.js';
export { triageFailures, type TriagedBug } from './scenario/triage.js';
export { shrinkFailure, type ShrinkRequest, type ShrinkOutcome } from './scenario/shrink.js';
export { checkMutants } from './scenario/mutant-check.js';
export { checkDeterminism, type DeterminismVerdict } from './scenario/determinism.js';
export { SimLocks, simLockParam, prepareSimLock, lockDeclarationOf, userLockFactory, type SimLockParam, type SimLockOptions } from './scenario/sim-locks.js';
export { preparePart, partOf, isModuleReference, type PartKind } from './scenario/parts.js';
export { CONTRACT_RULES, checkContractRules, type ContractRule, type RuleVerdict } from './scenario/lock-contract.js';
/** The zod simrun is built with: scenario parameters (`defineScenario({ params })`) must be schemas of this one. */
export { z } from 'zod';
export { createShellExecutor, type ShellExecutorOptions } from './real/job-runner/shell-executor.js';

export * as bucket from './systems/bucket/index.js';
export * as clientJobs from './systems/client-jobs/index.js';
export * as cron from './systems/cron/index.js';
export * as jobRunner from './systems/job-runner/index.js';
export * as dag from './systems/dag/index.js';
export * as checks from './check/index.js';
export { load, type LoadOptions } from './scenario/load.js';
export { nodeFsOver, type DescriptorFs } from './env/node-fs-facade.js';
export { requestProcessGlobals, processGlobalsInstalled, type GlobalsHost } from './sim/process-globals.js';
