/**
 * One access policy for the real server and the simulation (`access-policy.ts`): the server answers
 * every request through `CallerView`, so the policy's deliberately broken variant
 * (`any-user-stops-any-job`) swapped into the runner is caught by the real refusal checks below, over
 * real mutual TLS on loopback, as the simulation's `authorised-access` catches it
 * (`test/job-runner/access.test.ts`). Given an `Env`, the server records each decision (`job.access`,
 * `job.listed`), which the same invariant judges.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:https';
import { afterAll, describe, expect, test } from 'vitest';
import { checkAuthorisedAccess } from '../../src/check/job-runner/index.js';
import { realEnv } from '../../src/env/real-env.js';
import { parseLogLine } from '../../src/env/log-line.js';
import { createCertificateAuthority, issueCertificate } from '../../src/real/job-runner/certs.js';
import { remoteJobOutput, remoteJobStatus, startRemoteJob, stopRemoteJob, type ClientCredentials } from '../../src/real/job-runner/client.js';
import { createJobsServer } from '../../src/real/job-runner/server.js';
import { createShellExecutor } from '../../src/real/job-runner/shell-executor.js';
import { callerNamed, mayAct } from '../../src/systems/job-runner/access.js';
import { JobRunner, type JobStatus } from '../../src/systems/job-runner/job-runner.js';
import { jobRunnerFlawsOf } from '../../src/systems/job-runner/mutants.js';
import type { TraceEvent } from '../../src/sim/trace.js';

const ca = createCertificateAuthority();
const serverPair = issueCertificate(ca, { commonName: 'localhost', serverHosts: ['localhost', '127.0.0.1'] });
const pairs = { alice: issueCertificate(ca, { commonName: 'alice' }), bob: issueCertificate(ca, { commonName: 'bob' }), ops: issueCertificate(ca, { commonName: 'ops' }) };
const servers: Server[] = [];

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A real jobs server on loopback (admin `ops`) running the policy of `mutant` (none: the shipped one); its access log as trace events. */
async function serveWith(mutant?: string): Promise<{ as: Record<keyof typeof pairs, ClientCredentials>; log: TraceEvent[] }> {
  const log: TraceEvent[] = [];
  const env = realEnv('jobs-server', {
    logLine: (line) => {
      const parsed = parseLogLine(line);
      if (parsed !== undefined) log.push({ seq: log.length, t: parsed.t, pid: parsed.pid, kind: parsed.kind, ...(parsed.data === undefined ? {} : { data: parsed.data }) } as TraceEvent);
    },
  });
  const runner = new JobRunner({ env, executor: createShellExecutor({ killGraceMs: 200 }), concurrencyLimit: 4, flaws: jobRunnerFlawsOf(mutant) });
  const server = createJobsServer({ runner, certPem: serverPair.certPem, keyPem: serverPair.keyPem, caPem: ca.certPem, admins: ['ops'], env });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const as = Object.fromEntries(Object.entries(pairs).map(([name, pair]) => [name, { server: url, certPem: pair.certPem, keyPem: pair.keyPem, caPem: ca.certPem }])) as Record<keyof typeof pairs, ClientCredentials>;
  return { as, log };
}

/** The refusal checks: what went wrong, one line each (none for a server that keeps the policy). */
async function refusalProblems(as: Record<keyof typeof pairs, ClientCredentials>): Promise<string[]> {
  const problems: string[] = [];
  const id = await startRemoteJob(as.alice, 'sleep 5');
  const attempts: [string, () => Promise<unknown>][] = [
    ['status', () => remoteJobStatus(as.bob, id)],
    ['output', () => remoteJobOutput(as.bob, id, false, () => undefined)],
    ['stop', () => stopRemoteJob(as.bob, id)],
  ];
  for (const [what, attempt] of attempts) {
    const outcome = await attempt().then(
      () => 'granted',
      (error: { status?: number }) => `refused ${error.status ?? '?'}`,
    );
    if (outcome !== 'refused 404') problems.push(`bob's ${what} of alice's job: ${outcome}`);
  }
  const bobSees = (await remoteJobStatus(as.bob)) as JobStatus[];
  if (bobSees.length > 0) problems.push(`bob's list shows ${bobSees.length} job(s) of alice`);
  const opsSees = ((await remoteJobStatus(as.ops)) as JobStatus[]).map((job) => job.id);
  if (!opsSees.includes(id)) problems.push("ops (an admin) does not see alice's job");
  const stopped = await stopRemoteJob(as.ops, id).then((job) => job.state, (error: Error) => error.message);
  if (stopped !== 'stopped' && stopped !== 'executing') problems.push(`ops (an admin) could not stop alice's job: ${stopped}`);
  await stopRemoteJob(as.alice, id).catch(() => undefined);
  return problems;
}

describe('one access policy', () => {
  test('the policy itself: an owner and an admin may act, anyone else may not', () => {
    expect(mayAct(callerNamed('alice', ['ops']), 'alice')).toBe(true);
    expect(mayAct(callerNamed('bob', ['ops']), 'alice')).toBe(false);
    expect(mayAct(callerNamed('ops', ['ops']), 'alice')).toBe(true);
    expect(mayAct(callerNamed('alice', []), undefined)).toBe(false);
  });

  test('the real server keeps it: bob is refused (404) and sees nothing of alice, ops sees and stops; its access log passes authorised-access', async () => {
    const { as, log } = await serveWith();
    expect(await refusalProblems(as)).toEqual([]);
    expect(log.filter((event) => event.kind === 'job.access').length).toBeGreaterThanOrEqual(4);
    expect(checkAuthorisedAccess({ trace: log, admins: ['ops'] })).toEqual([]);
  }, 60_000);

  test('the broken policy any-user-stops-any-job, swapped into the real server, is caught by the same refusal checks and by authorised-access', async () => {
    const { as, log } = await serveWith('any-user-stops-any-job');
    expect(await refusalProblems(as)).toEqual(["bob's status of alice's job: granted", "bob's output of alice's job: granted", "bob's stop of alice's job: granted", "bob's list shows 1 job(s) of alice"]);
    expect(checkAuthorisedAccess({ trace: log, admins: ['ops'] }).map((violation) => violation.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^bob, not an admin, was let stop alice's job /)]));
  }, 60_000);
});
