#!/usr/bin/env bash
# The figures a many-core machine is for, in one run from a built checkout (`npm run build`):
#   kernel, one bucket day, and `scaling` three ways:
#   - short: 100 fuzz seeds per thread (the default), as the figures of record give it;
#   - long: 300 per thread, where each thread's warm-up (some 13 seeds' worth of CPU) weighs less;
#   - pool: short again with V8's helper pool as large as the machine (`--v8-pool-size`, default 4),
#     since every worker thread compiles its own code on that one shared pool.
# Results: reports/bench/{kernel,bucket,scaling,scaling-long,scaling-pool}.json, then copied with the
# log into DEST (default reports/bench-many-core). About 7 minutes on 16 cores.
#
#   bash scripts/measure-scaling.sh [DEST]
set -uo pipefail
dest="${1:-reports/bench-many-core}"
cores="$(nproc)"
mkdir -p "$dest" reports/bench
log="$dest/measure.log"
run() { echo "== $*" | tee -a "$log"; "$@" >>"$log" 2>&1 || echo "   failed: exit $?" | tee -a "$log"; }
echo "node $(node --version), $cores cores, $(date -u +%FT%TZ)" | tee "$log"
# Whether the cores are SMT siblings (two threads of one core share its units and caches) bounds
# what any count of threads can reach: record it with the figures.
{ lscpu 2>/dev/null | grep -E '^(Model name|Thread|Core|Socket|NUMA node\(s\)|L3)' ; } | tee -a "$log"
run node dist/bench/kernel.js
run node dist/bench/bucket.js
SIMRUN_BENCH_SCALING_FUZZ_RUNS=300 run node dist/bench/scaling.js
[ -f reports/bench/scaling.json ] && mv reports/bench/scaling.json reports/bench/scaling-long.json
run node --v8-pool-size="$cores" dist/bench/scaling.js
[ -f reports/bench/scaling.json ] && mv reports/bench/scaling.json reports/bench/scaling-pool.json
run node dist/bench/scaling.js
cp reports/bench/*.json "$dest/" 2>/dev/null
echo "results in $dest" | tee -a "$log"
