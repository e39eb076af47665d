/**
 * State one per OS process, whatever copy of simrun's modules reads it: a TypeScript scenario or
 * lock file imports its own copy of simrun (tsx evaluates it under a URL of its own), and its
 * `load()` and `Date.now()` must still reach the globals of the world the CLI runs.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import * as entropy from '../../src/sim/entropy-and-clocks.js';
import * as globals from '../../src/sim/process-globals.js';
import { ROOT, simrun } from '../cli/helpers.js';

const SCENARIO = 'test/byo/fixtures/globals-scenario.ts';
const LOCK = 'test/byo/fixtures/wall-clock-lock.ts';
const YEAR_2020 = [Date.UTC(2020, 0, 1), Date.UTC(2021, 0, 1)] as const;

interface TraceEvent {
  readonly kind: string;
  readonly pid: string;
  readonly t: number;
  readonly data?: Record<string, unknown>;
}

/** Runs `args` through the CLI with `--json` into a fresh directory; the exit status, trace hash, violations and trace. */
function runCli(args: readonly string[]): { status: number | null; hash: string; violations: unknown[]; trace: TraceEvent[] } {
  const outDir = mkdtempSync(join(tmpdir(), 'simrun-one-per-process-'));
  const run = simrun([...args, '--json', '--out-dir', outDir]);
  expect(run.stderr).toBe('');
  expect([0, 1], run.stdout).toContain(run.status);
  const summary = JSON.parse(run.stdout) as { traceHash: string; resultPath: string; violations: unknown[] };
  const result = JSON.parse(readFileSync(summary.resultPath.startsWith('/') ? summary.resultPath : join(ROOT, summary.resultPath), 'utf8')) as { trace: TraceEvent[] };
  return { status: run.status, hash: summary.traceHash, violations: summary.violations, trace: result.trace };
}

function inYear2020(ms: unknown): boolean {
  return typeof ms === 'number' && ms >= YEAR_2020[0] && ms < YEAR_2020[1];
}

describe('a TypeScript scenario file that imports simrun and load()s a library', () => {
  test('run twice by the CLI: the same trace hash, and every clock read is the process clock in 2020', () => {
    const runs = [1, 2].map(() => runCli(['scenario', SCENARIO, '--seed', '7']));
    expect(runs.map((run) => run.status)).toEqual([0, 0]);
    expect(runs[1]?.hash).toBe(runs[0]?.hash);
    const trace = runs[0]?.trace ?? [];
    const own = trace.filter((event) => event.kind === 'own');
    const library = trace.filter((event) => event.kind === 'library');
    expect(own).toHaveLength(4);
    expect(library).toHaveLength(2);
    // Each read equals the reading process's clock: the world's time plus its skew ('b' is a minute ahead).
    for (const event of [...own, ...library]) {
      expect(inYear2020(event.data?.at), JSON.stringify(event)).toBe(true);
      const skew = event.pid.startsWith('b') ? 60_000 : 0;
      expect(event.data?.at).toBe(event.t + skew);
    }
    // The library's setTimeout(250) was a simulated sleep, after the scenario's own 100 ms one.
    for (const event of library) expect(event.data?.iso).toBe(new Date((event.data?.at as number)).toISOString());
    expect(library.map((event) => event.t - (trace[0]?.t ?? 0))).toEqual([350, 350]);
  });
});

describe('a TypeScript lock module given with --lock that reads Date.now()', () => {
  test('run twice by the CLI: the same verdict and trace hash, and its leases expire on the process clock', () => {
    const runs = [1, 2].map(() => runCli(['scenario', 'lock', '--seed', '7', '--lock', LOCK]));
    // Its "store" clock is each caller's own, skewed by the plan, so exclusion may well break: the
    // same way on every run of the seed.
    expect(runs[1]?.status).toBe(runs[0]?.status);
    expect(runs[1]?.violations).toEqual(runs[0]?.violations);
    expect(runs[1]?.hash).toBe(runs[0]?.hash);
    const acquired = (runs[0]?.trace ?? []).filter((event) => event.kind === 'lock.acquired');
    expect(acquired.length).toBeGreaterThan(0);
    for (const event of acquired) expect(inYear2020(event.data?.expiresAt), JSON.stringify(event)).toBe(true);
  });
});

describe('two copies of the modules in one OS process', () => {
  test('share the request flag, the installed shims and the processes monotonic clocks', async () => {
    // The compiled copy under dist/ is a second instance of the same modules, as a scenario file's is.
    const otherGlobals = (await import(pathToFileURL(join(ROOT, 'dist/src/sim/process-globals.js')).href)) as typeof globals;
    const otherEntropy = (await import(pathToFileURL(join(ROOT, 'dist/src/sim/entropy-and-clocks.js')).href)) as typeof entropy;
    expect(otherGlobals.requestProcessGlobals).not.toBe(globals.requestProcessGlobals);

    otherGlobals.requestProcessGlobals();
    expect(globals.processGlobalsRequested()).toBe(true);

    expect(globals.processGlobalsInstalled()).toBe(false);
    otherGlobals.acquireProcessGlobals();
    try {
      expect(globals.processGlobalsInstalled()).toBe(true);
      // A second acquire from the other copy counts against the same installs: one release leaves them on.
      globals.acquireProcessGlobals();
      globals.releaseProcessGlobals();
      expect(otherGlobals.processGlobalsInstalled()).toBe(true);
    } finally {
      otherGlobals.releaseProcessGlobals();
    }
    expect(globals.processGlobalsInstalled()).toBe(false);
    expect(Date.now).not.toBe(undefined);
    expect(new Date(0).getTime()).toBe(0);

    let now = Date.UTC(2020, 7, 18);
    const host = { now: () => now, random: () => 0.5 };
    entropy.startMonotonicClock(host);
    now += 1_234;
    expect(otherEntropy.monotonicNow(host)).toBe(1_234);
    expect(otherEntropy.timeOrigin(host)).toBe(Date.UTC(2020, 7, 18));
  });
});
