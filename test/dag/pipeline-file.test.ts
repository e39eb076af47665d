/**
 * Reading a pipeline file: a good one, and each kind of bad one as one line naming the job and the line.
 */
import { describe, expect, test } from 'vitest';
import { parsePipeline } from '../../src/systems/dag/pipeline-file.js';
import { PipelineError } from '../../src/systems/dag/pipeline-error.js';
import { pipelineSchedule } from '../../src/systems/dag/schedule.js';

const GOOD = `name: nightly
jobs:
  extract:
    command: ./extract.sh
    max_runtime_ms: 60000
  transform:
    command: ./transform.sh
    depends_on: [extract]
    retries: 2
  load:
    command: ./load.sh
    depends_on:
      - transform
      - extract
    start_at: 2020-08-18T02:00:00Z
    max_output_bytes: 1048576
`;

function problem(text: string): PipelineError {
  try {
    parsePipeline(text, 'p.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineError);
    return error as PipelineError;
  }
  throw new Error('expected a PipelineError');
}

describe('parsePipeline', () => {
  test('reads jobs, dependencies, start time, limits and retries, with the line each job is on', () => {
    const pipeline = parsePipeline(GOOD, 'etl/nightly.yaml');
    expect(pipeline.name).toBe('nightly');
    expect(pipeline.jobs).toEqual([
      { name: 'extract', command: './extract.sh', dependsOn: [], retries: 0, maxRuntimeMs: 60000, line: 3 },
      { name: 'transform', command: './transform.sh', dependsOn: ['extract'], retries: 2, line: 6 },
      { name: 'load', command: './load.sh', dependsOn: ['transform', 'extract'], retries: 0, startAtMs: Date.UTC(2020, 7, 18, 2, 0, 0), maxOutputBytes: 1048576, line: 10 },
    ]);
  });

  test('the name defaults to the file name', () => {
    expect(parsePipeline('jobs:\n  a:\n    command: "true"\n', 'dir/etl.yaml').name).toBe('etl');
  });

  test('an unknown field names the job and the field’s line', () => {
    const error = problem(GOOD.replace('    retries: 2\n', '    retries: 2\n    retry_delay: 5\n'));
    expect(error.message).toBe("p.yaml:10: job 'transform': unknown field 'retry_delay'");
    expect(error.job).toBe('transform');
    expect(error.line).toBe(10);
  });

  test('an unknown top-level field names its line', () => {
    expect(problem('jobs:\n  a:\n    command: x\nowner: me\n').message).toBe("p.yaml:4: unknown field 'owner'");
  });

  test('a missing dependency names the job and the line of the dependency', () => {
    expect(problem(GOOD.replace('      - extract\n', '      - extrct\n')).message).toBe("p.yaml:14: job 'load': depends_on 'extrct', which is not a job of this pipeline");
  });

  test('a cycle names a job on it, its line and the cycle', () => {
    const text = GOOD.replace('    max_runtime_ms: 60000\n', '    max_runtime_ms: 60000\n    depends_on: [load]\n');
    expect(problem(text).message).toBe("p.yaml:3: job 'extract': dependency cycle extract -> load -> transform -> extract");
  });

  test('a job that depends on itself is a cycle', () => {
    expect(problem('jobs:\n  a:\n    command: x\n    depends_on: [a]\n').message).toBe("p.yaml:2: job 'a': dependency cycle a -> a");
  });

  test('a bad value names the job, the field and its line', () => {
    expect(problem(GOOD.replace('max_runtime_ms: 60000', 'max_runtime_ms: -5')).message).toBe("p.yaml:5: job 'extract': field 'max_runtime_ms': expected ms > 0");
    expect(problem(GOOD.replace('2020-08-18T02:00:00Z', 'tomorrow')).message).toBe(
      "p.yaml:15: job 'load': field 'start_at': expected a date and time with a zone, like 2020-08-18T02:00:00Z",
    );
  });

  test('a missing command points at the job', () => {
    expect(problem('jobs:\n  a:\n    retries: 1\n').message).toBe("p.yaml:3: job 'a': field 'command': required: the command to run");
  });

  test('a YAML syntax error names its line', () => {
    expect(problem('jobs:\n  a:\n    command: [x\n').message).toMatch(/^p\.yaml:\d+: /);
    expect(problem('jobs:\n  a:\n    command: x\n  a:\n    command: y\n').message).toMatch(/^p\.yaml:4: Map keys must be unique/);
  });
});

describe('parsePipeline: parallelism, hard limits, data and schedules', () => {
  test('reads max_parallel, schedule, kill_after_ms and max_data', () => {
    const pipeline = parsePipeline('max_parallel: 2\nschedule: "0 2 * * *"\njobs:\n  a:\n    command: x\n    kill_after_ms: 500\n    max_data: 10\n', 'p.yaml');
    expect(pipeline.maxParallel).toBe(2);
    expect(pipeline.schedule).toBe('0 2 * * *');
    expect(pipeline.jobs[0]).toMatchObject({ killAfterMs: 500, maxData: 10 });
    const schedule = pipelineSchedule(pipeline);
    expect(schedule?.nextAfter(Date.UTC(2024, 0, 1, 3, 0))).toBe(Date.UTC(2024, 0, 2, 2, 0));
  });

  test.each([
    ['max_parallel: 0\njobs:\n  a:\n    command: x\n', "p.yaml:1: field 'max_parallel': expected at least 1"],
    ['schedule: every night\njobs:\n  a:\n    command: x\n', 'p.yaml:1: field \'schedule\': expected a cron expression like "0 2 * * *" (minute hour day month weekday, UTC)'],
    ['jobs:\n  a:\n    command: x\n    kill_after_ms: -1\n', "p.yaml:4: job 'a': field 'kill_after_ms': expected ms > 0"],
  ])('a bad value is one line: %s', (text, message) => {
    expect(problem(text).message).toBe(message);
  });
});
