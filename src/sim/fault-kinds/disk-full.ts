/**
 * `disk-full`: the disk is full for `ms`, for every process (a disk is shared): each write of data
 * (`writeFile`, `appendFile`) fails with ENOSPC, under `path` only when given (one volume of several).
 * Reads, listings, renames, links and deletions still work, as on a real full disk: they need no
 * free blocks. Unlike `fs-error`, which fails a counted number of one operation, it lasts a span of
 * time, so whatever retries within it fails again: the real nemesis's `disk-full`, in simulation.
 *
 * One difference from a real disk: a failed write here takes no effect, where a real `writeFile`
 * leaves behind the file its `open` created (or truncated), empty.
 */
import { z } from 'zod';
import { atMs, defineFaultKind, positiveMs, type Fault } from './kind.js';

/** The operations a full disk refuses. */
const DATA_WRITES = ['writeFile', 'appendFile'] as const;

export const diskFull = defineFaultKind({
  name: 'disk-full',
  schema: z.object({ at: atMs, kind: z.literal('disk-full'), ms: positiveMs, path: z.string().min(1).optional() }).strict(),
  generate(prng, at, space): Fault[] {
    return [{ at, kind: 'disk-full', ms: prng.int(1, space.pauseMsMax ?? 60_000) }];
  },
  apply(world, fault) {
    const ends = DATA_WRITES.map((op) =>
      world.injectFsFault({ code: 'ENOSPC', op, count: Number.POSITIVE_INFINITY, ...(fault.path === undefined ? {} : { pathIncludes: fault.path as string }) }),
    );
    world.atFault(world.elapsed() + (fault.ms as number), () => {
      for (const end of ends) end();
    });
  },
  magnitudes: [{ field: 'ms', gentlest: 1 }],
});
