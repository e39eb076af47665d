// Captured by `simrun fuzz --emit-test`: replays a shrunk failure exactly (seed, parameters, fault plan).
// The bug: a scheduled job fell due while every slot was busy; the runner's clock was then stepped
// back, and the job launched when a slot freed without reading the clock again, before its time.
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from "../../src/index.js";

test("job-runner seed 3085: scheduled-not-early holds under the shrunk fault plan", async () => {
  const scenario = await loadScenario("job-runner");
  const result = await runScenario(scenario, {
    "seed": 3085,
    "params": {
      "jobs": 24
    },
    "plan": [
      {
        "at": 25599,
        "kind": "skew",
        "target": "runner",
        "ms": -326
      }
    ]
  });
  expect(result.violations.filter((violation) => violation.invariant === "scheduled-not-early")).toEqual([]);
  expect(result.status).toBe('passed');
});
