/** The lock-scenario invariants, one file each, and the history they judge. */
export { lockHistoryFromTrace, type LockHistory, type StoreAnswer, type ResourceWrite } from './history.js';
export { callerClocks, checkLeaseExclusion, leaseExclusion, type JudgingClock } from './exclusion.js';
export { checkLeaseContract, leaseContract } from './contract.js';
export { checkFencing, fencing } from './fencing.js';
export { checkProgress, progress } from './progress.js';
export { checkLeaseBelief, leaseBelief } from './lease-belief.js';
