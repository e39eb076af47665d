/** The lock-scenario invariants, one file each, and the history they judge. */
export { lockHistoryFromTrace, type LockHistory, type LeaseEvent, type ResourceWrite } from './history.js';
export { checkLeaseExclusion, LEASE_EXCLUSION } from './exclusion.js';
export { checkLeaseContract, LEASE_CONTRACT } from './contract.js';
export { checkFencing, FENCING } from './fencing.js';
export { checkProgress, PROGRESS } from './progress.js';
