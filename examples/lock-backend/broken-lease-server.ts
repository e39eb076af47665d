/**
 * The lease server of `lease-server.ts` with one deliberate bug: `release` does not check that the
 * caller still owns the lease. A holder whose lease lapsed (it paused, or its release answer was
 * lost and it retried) frees the key under the next holder, and a third process takes it while the
 * second still works: two live leases on one key. `simrun lock-contract` must catch it:
 *
 *   npx simrun lock-contract examples/lock-backend/broken-lease-server.ts   # exit 1
 */
import { defineLockBackend } from 'simrun';
import { leaseServerClient } from './lease-server.js';

export default defineLockBackend((context) => leaseServerClient(context, { checkOwnerOnRelease: false }), { expiryClock: 'store', failureModel: 'remote' });
