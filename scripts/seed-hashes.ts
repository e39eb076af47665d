/**
 * `node dist/scripts/seed-hashes.js SCENARIO FROM TO [--swarm]`: runs seeds FROM..TO of a scenario
 * one after another in this process and prints one line per seed (seed, status, trace hash, then its events and wall time), then
 * the runs per second on stderr. Comparing its output before and after a change shows that the
 * change left every seed's verdict and trace hash as they were; the runs per second are a serial,
 * single-thread figure (no worker pool), for comparing one build against another.
 */
import { runSeedTask } from '../src/scenario/seed-run.js';

async function main(argv: readonly string[]): Promise<void> {
  const [scenario, fromText, toText] = argv;
  const swarm = argv.includes('--swarm');
  const from = Number(fromText);
  const to = Number(toText);
  if (scenario === undefined || !Number.isInteger(from) || !Number.isInteger(to) || to < from) {
    process.stderr.write('usage: seed-hashes SCENARIO FROM TO [--swarm]\n');
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (let seed = from; seed <= to; seed++) {
    const run = await runSeedTask({ scenario, seed, params: {}, swarm, traceHash: true });
    process.stdout.write(`${seed} ${run.status} ${run.traceHash} ${run.events} events ${Math.round(run.wallMs)} ms\n`);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  // CPU time as well as wall time: on a shared machine the wall time says more about the neighbours.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const runs = to - from + 1;
  process.stderr.write(
    `${scenario}${swarm ? ' --swarm' : ''}: ${runs} seeds in ${seconds.toFixed(1)} s (${(runs / seconds).toFixed(2)} runs/s), ${cpuSeconds.toFixed(1)} CPU s (${(runs / cpuSeconds).toFixed(2)} runs per CPU s)\n`,
  );
}

await main(process.argv.slice(2));
